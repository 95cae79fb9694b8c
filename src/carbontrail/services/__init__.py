"""Use cases over the core and the store: one module per use case, transactions and permissions here."""
