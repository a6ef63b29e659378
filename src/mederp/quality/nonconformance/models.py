"""Nonconformance: the records (see the package docstring)."""
