"""Queries, one module per area: services ask these for rows and never write `select(` themselves."""
