"""Lot disposition: the records (see the package docstring)."""
