"""The case file and everything between it and the LP: schema, loading, checks, unit conversion, prepared data."""
