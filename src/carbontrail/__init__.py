"""carbontrail: industrial carbon data — inventories, product footprints, supply-chain exchange, declarations."""

__version__ = "0.1.0"
