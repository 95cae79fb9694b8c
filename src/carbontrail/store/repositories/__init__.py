"""The queries of each area, one module per area (services call these; they hold no SQL themselves)."""
