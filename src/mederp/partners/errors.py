"""Partner refusals, each with a stable code and catalogued text.

Refusals about one input field carry ``field`` in their details so the UI shows them next to it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import DomainError, Duplicate


class PartnerCodeTaken(Duplicate):
    code = "partners.code_taken"
    message = _("A partner with code {value} already exists.")


class UsccTaken(Duplicate):
    code = "partners.uscc_taken"
    message = _(
        "Unified social credit code {value} is already registered to partner "
        "{partner_code} {partner_name}."
    )


class UsccInvalid(DomainError):
    code = "partners.uscc_invalid"
    message = _(
        "{value} is not a valid unified social credit code (18 characters, last one a check "
        "character per GB 32100-2015)."
    )


class UsccRequired(DomainError):
    code = "partners.uscc_required"
    message = _("A partner registered in China needs its unified social credit code.")


class CountryInvalid(DomainError):
    code = "partners.country_invalid"
    message = _("{value} is not an ISO 3166 two-letter country code.")


class RoleRequired(DomainError):
    code = "partners.role_required"
    message = _("A partner must be a supplier, a customer or both.")


class DocumentTaken(Duplicate):
    code = "partners.document_taken"
    message = _("{kind} {number} is already on file for partner {partner_code} {partner_name}.")


class DocumentDatesInvalid(DomainError):
    code = "partners.document_dates_invalid"
    message = _("Valid until ({valid_until}) is before valid from ({valid_from}).")


class DocumentExpiryRequired(DomainError):
    code = "partners.document_expiry_required"
    message = _("A {kind} has a limited validity: enter its valid-until date.")


class ScopeInvalid(DomainError):
    code = "partners.scope_invalid"
    message = _("Not category codes: {codes}. Use letters, digits and - . / only.")


class FileHashInvalid(DomainError):
    code = "partners.file_sha256_invalid"
    message = _("The file SHA-256 must be 64 hexadecimal characters.")


class SupplierStatusInvalid(DomainError):
    code = "partners.supplier_status_invalid"
    message = _("{value} is not a supplier status (approved, conditional or disqualified).")


class NotASupplierPartner(DomainError):
    code = "partners.not_a_supplier"
    message = _("{partner} is not registered as a supplier: it has no supplier status to set.")


class StatusReasonRequired(DomainError):
    code = "partners.status_reason_required"
    message = _("Give the reason for the change of the supplier's status.")
