"""Complaint refusals, each with a stable code and catalogued text (STYLE rule 4). A refusal
writes nothing."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, NotFound, ValidationFailed


class ProductMissing(ValidationFailed):
    """820.35(a)(1), QE-02, DI-09: a complaint names the device (product, UDI, lot or serial)."""

    code = "complaints.product_missing"
    message = _(
        "Identify the product: choose it, scan its UDI, or give a lot or serial number that "
        "belongs to one product."
    )


class UdiProductUnknown(NotFound):
    code = "complaints.udi_product_unknown"
    message = _("No product carries the device identifier {di} of the scanned UDI.")


class UdiProductMismatch(ValidationFailed):
    code = "complaints.udi_product_mismatch"
    message = _("The scanned UDI names product {scanned}, not {product}.")


class UdiLotMismatch(ValidationFailed):
    code = "complaints.udi_lot_mismatch"
    message = _("The scanned UDI says {field_label} {scanned}, but {typed} was entered.")


class LotUnknown(NotFound):
    code = "complaints.lot_unknown"
    message = _("No lot or serial {number} is known.")


class LotAmbiguous(ValidationFailed):
    code = "complaints.lot_ambiguous"
    message = _("{number} is a lot or serial of several products ({products}); choose the product.")


class LotNotOfProduct(ValidationFailed):
    """The lot or serial must belong to the product complained about."""

    code = "complaints.lot_not_of_product"
    message = _("{number} is not a lot or serial of {product}.")


class SerialNotOfLot(ValidationFailed):
    code = "complaints.serial_not_of_lot"
    message = _("Serial {serial} is not of lot {lot}.")


class EventDateInFuture(ValidationFailed):
    code = "complaints.event_date_in_future"
    message = _("The event date {value} is later than today ({today}).")


class ReceivedInFuture(ValidationFailed):
    code = "complaints.received_in_future"
    message = _("The complaint cannot be received later than now.")


class DescriptionMissing(ValidationFailed):
    code = "complaints.description_missing"
    message = _("Describe the complaint: what happened, with which device.")


class ChoiceUnknown(ValidationFailed):
    code = "complaints.choice_unknown"
    message = _("{value} is not a valid {field_label}.")


class CustomerUnknown(NotFound):
    code = "complaints.customer_unknown"
    message = _("There is no customer with code {customer}.")


class RationaleMissing(ValidationFailed):
    """A decision that the complaint is not reportable must say why (803.20(c)(2) files)."""

    code = "complaints.rationale_missing"
    message = _("Give the rationale for deciding that the complaint is not reportable.")


class ReportabilityIncomplete(ValidationFailed):
    code = "complaints.reportability_incomplete"
    message = _("A reportable complaint needs at least one event class and one jurisdiction.")


class NoRuleMatches(ValidationFailed):
    code = "complaints.no_rule_matches"
    message = _(
        "No active reporting rule covers these event classes in {jurisdictions}: check the "
        "classes or the reporting rules."
    )


class ReportAlreadySubmitted(Conflict):
    code = "complaints.report_already_submitted"
    message = _("Report {report} was already submitted on {submitted_at}.")


class ReportUnknown(NotFound):
    code = "complaints.report_unknown"
    message = _("Complaint {complaint} has no report {report}.")


class SubmissionInFuture(ValidationFailed):
    code = "complaints.submission_in_future"
    message = _("A submission cannot be recorded later than now.")


class ComplaintClosed(Conflict):
    code = "complaints.closed"
    message = _("Complaint {complaint} is closed: it can no longer change.")


class NotAssessed(Conflict):
    code = "complaints.not_assessed"
    message = _("Complaint {complaint} must be assessed for reportability first.")


class InvestigationMissing(ValidationFailed):
    """820.35(a), (c): an investigation, or the reason why none was made, is on the record."""

    code = "complaints.investigation_missing"
    message = _(
        "Record the investigation, or the justification for not investigating, before closing "
        "{complaint}."
    )


class ReportsOutstanding(Conflict):
    code = "complaints.reports_outstanding"
    message = _("{count} required regulatory reports of {complaint} are not submitted: {reports}.")


class AlreadyLinked(Conflict):
    code = "complaints.already_linked"
    message = _("Complaint {complaint} is already linked to {kind} {number}.")


class RecallUnknown(NotFound):
    code = "complaints.recall_unknown"
    message = _("There is no recall {recall}.")


class QuantityInvalid(ValidationFailed):
    code = "complaints.quantity_invalid"
    message = _("{value} is not a quantity: give more than zero, as an exact number.")


class TitleMissing(ValidationFailed):
    code = "complaints.title_missing"
    message = _("Give the CAPA a title.")


class RuleInvalid(ValidationFailed):
    code = "complaints.rule_invalid"
    message = _("The reporting rule is not valid: check the fields.")


class RuleCodeTaken(Conflict):
    code = "complaints.rule_code_taken"
    message = _("A reporting rule with code {code} already exists.")
