"""Documents made from results: CSV, XLSX (and, with the platform, PDF and HTML)."""
