"""Inspections: the records (see the package docstring)."""
