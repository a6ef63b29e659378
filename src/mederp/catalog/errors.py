"""Catalog refusals, each with a stable code and catalogued text.

``details["field"]`` names the input the refusal is about, so the UI shows it next to that field
(``core.formerrors.apply_domain_error``) and API clients can point at it too.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import DomainError, Duplicate


class UomCodeTaken(Duplicate):
    code = "catalog.uom_code_taken"
    message = _("A unit of measure with code {value} already exists.")


class UomUnknown(DomainError):
    code = "catalog.uom_unknown"
    message = _("There is no unit of measure {value}.")
    http_status = 422


class UomInactive(DomainError):
    code = "catalog.uom_inactive"
    message = _("Unit of measure {value} is inactive and cannot be used for products.")
    http_status = 422


class ProductCodeTaken(Duplicate):
    code = "catalog.product_code_taken"
    message = _("A product with code {value} already exists.")


class GtinInvalid(DomainError):
    """UDI-03: a GTIN whose GS1 check digit does not match is rejected, never stored."""

    code = "catalog.gtin_invalid"
    message = _("GTIN {value} is not valid: its GS1 check digit does not match.")
    http_status = 422


class GtinMalformed(GtinInvalid):
    message = _("A GTIN (UDI-DI) must be exactly 14 digits; {value} is not.")


class GtinReserved(GtinInvalid):
    message = _("GTIN {value} is not an issued GS1 number.")


class GtinTaken(Duplicate):
    code = "catalog.gtin_taken"
    message = _("GTIN {value} already identifies product {other}.")


class ShelfLifeNegative(DomainError):
    code = "catalog.shelf_life_negative"
    message = _("Shelf life must be a whole number of days of at least 1; {value} is not.")
    http_status = 422


class TemperatureRangeInvalid(DomainError):
    code = "catalog.temperature_range_invalid"
    message = _(
        "The storage minimum ({min} °C) must not be higher than the storage maximum ({max} °C)."
    )
    http_status = 422


class RegistrationNumberTaken(Duplicate):
    code = "catalog.registration_number_taken"
    message = _("Certificate {value} is already recorded for {jurisdiction}.")


class RegistrationDatesInvalid(DomainError):
    code = "catalog.registration_dates_invalid"
    message = _("The certificate cannot end ({valid_until}) before it starts ({valid_from}).")
    http_status = 422
