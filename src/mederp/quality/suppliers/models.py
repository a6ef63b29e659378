"""Supplier quality: the records (see the package docstring)."""
