"""CAPA: the records (see the package docstring)."""
