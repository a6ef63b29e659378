"""Complaints: the records (see the package docstring)."""
