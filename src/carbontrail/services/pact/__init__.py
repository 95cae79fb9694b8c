"""PACT data exchange, both sides: the host serving this platform's footprints (host, inbox, callbacks), the
customer asking other hosts (client, requests), what both share (events, secrets), and the supplier primary data
received footprints become (supplier_data).

Import the modules themselves (`from carbontrail.services.pact import host`); this package re-exports nothing so
that importing one part does not load the others.
"""
