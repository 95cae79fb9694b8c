"""The queries, one repository module per area: services call these functions for rows and never build SQL themselves."""
