"""The queries, one module per area: services ask these functions and hold no SQL of their own."""
