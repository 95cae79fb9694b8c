"""The monitoring area's use cases: readings in and out, data quality, monthly figures from readings, KPIs against
targets, warnings and their delivery, and the oversight views of parks, cities and the province."""
