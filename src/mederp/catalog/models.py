"""Catalog master data: units of measure, products (UDI-DI), registration certificates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitOfMeasure(models.Model):
    """A unit in which quantities are counted (EA, BOX, ...)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit of measure")
        verbose_name_plural = _("units of measure")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"
