"""Supplier evaluation refusals: a stable code and catalogued text each; they write nothing."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import ValidationFailed


class NotASupplier(ValidationFailed):
    code = "supplier_quality.not_a_supplier"
    message = _("{partner} is not registered as a supplier: there is nothing to evaluate.")


class PeriodInvalid(ValidationFailed):
    code = "supplier_quality.period_invalid"
    message = _("The period must start on or before its end ({start} > {end}).")


class PeriodInFuture(ValidationFailed):
    code = "supplier_quality.period_in_future"
    message = _("The period cannot end after today ({end} > {today}).")


class NothingToEvaluate(ValidationFailed):
    code = "supplier_quality.nothing_to_evaluate"
    message = _(
        "{supplier} has no receipts, incoming inspections or NCRs from {start} to {end}: "
        "there is nothing to evaluate."
    )


class StatusInvalid(ValidationFailed):
    code = "supplier_quality.status_invalid"
    message = _("{value} is not a supplier status: approved, conditional or disqualified.")


class RationaleRequired(ValidationFailed):
    code = "supplier_quality.rationale_required"
    message = _("Give the rationale for the proposed status.")
