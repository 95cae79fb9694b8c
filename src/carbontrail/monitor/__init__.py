"""Energy monitoring maths: reading validation, data quality, tce conversion, KPIs against targets, warnings.

Pure functions over plain values and arrays; no database, no files. The services (`services/monitor/`) feed them
what the store holds and keep what they return.
"""
