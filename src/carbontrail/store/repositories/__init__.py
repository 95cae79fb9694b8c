"""The queries of each area, one module per area: services call these, never `select` themselves."""
