"""The queries, one module per area: services ask these functions for rows and never build SQL themselves."""
