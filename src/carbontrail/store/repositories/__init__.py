"""The queries, one repository module per area; services call these instead of writing `select(` themselves."""
