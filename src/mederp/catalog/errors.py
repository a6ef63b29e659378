"""Catalog refusals, each with a stable code and catalogued text."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Duplicate


class UomCodeTaken(Duplicate):
    code = "catalog.uom_code_taken"
    message = _("A unit of measure with code {value} already exists.")
