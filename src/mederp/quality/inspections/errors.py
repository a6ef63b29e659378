"""Inspection refusals, each with a stable code and catalogued text (STYLE rule 4).

A refusal writes nothing (invariant 7). ``field`` in the details names the input at fault.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, NotFound, ValidationFailed


class InspectionUnknown(NotFound):
    code = "inspections.unknown_inspection"
    message = _("There is no inspection {inspection}.")


class PlanUnknown(NotFound):
    code = "inspections.unknown_plan"
    message = _("There is no inspection plan {plan}.")


class ProductUnknown(NotFound):
    code = "inspections.unknown_product"
    message = _("There is no product {product}.")


class StageUnknown(ValidationFailed):
    code = "inspections.unknown_stage"
    message = _("{stage} is not an inspection stage (incoming, in_process, final).")


class CharacteristicUnknown(ValidationFailed):
    """A result names no characteristic at all (QE: results outside the plan are refused)."""

    code = "inspections.unknown_characteristic"
    message = _("Inspection {inspection} has no characteristic {characteristic}.")


class CharacteristicNotInPlan(ValidationFailed):
    """The characteristic exists, but belongs to another plan than this inspection's."""

    code = "inspections.characteristic_not_in_plan"
    message = _(
        "Characteristic {characteristic} belongs to another plan, not to the plan of "
        "inspection {inspection}."
    )


class InspectionCompleted(Conflict):
    code = "inspections.inspection_completed"
    message = _("Inspection {inspection} is already completed ({result}); results are closed.")


class ResultsRequired(ValidationFailed):
    code = "inspections.results_required"
    message = _("Enter at least one result.")


class ValueRequired(ValidationFailed):
    code = "inspections.value_required"
    message = _("{characteristic} is measured: enter a number.")


class VerdictRequired(ValidationFailed):
    code = "inspections.verdict_required"
    message = _("{characteristic} is pass/fail: say whether it passed.")


class TextRequired(ValidationFailed):
    code = "inspections.text_required"
    message = _("{characteristic} is a text observation: enter the text.")


class CorrectionReasonRequired(ValidationFailed):
    """Results are append-only: a second result for a characteristic corrects the first, and a
    correction needs a reason (AT-04)."""

    code = "inspections.correction_reason_required"
    message = _("{characteristic} already has a result: give a reason for the correction.")


class ResultIdTaken(Conflict):
    code = "inspections.result_id_taken"
    message = _("A {source} result with id {external_id} is already recorded.")


class PlanNotDraft(Conflict):
    code = "inspections.plan_not_draft"
    message = _(
        "Plan revision {revision} is {state}: an approved plan is not edited; make a new revision."
    )


class PlanEmpty(ValidationFailed):
    code = "inspections.plan_empty"
    message = _("A plan needs at least one characteristic.")


class LimitsRequired(ValidationFailed):
    code = "inspections.limits_required"
    message = _("{characteristic} is numeric: give a lower limit, an upper limit or both.")


class LimitsReversed(ValidationFailed):
    code = "inspections.limits_reversed"
    message = _("{characteristic}: the lower limit {lower} is above the upper limit {upper}.")


class CharacteristicRepeated(ValidationFailed):
    code = "inspections.characteristic_repeated"
    message = _("Characteristic {characteristic} appears twice in the plan.")


class SamplingOverlap(ValidationFailed):
    code = "inspections.sampling_overlap"
    message = _("Sampling rows {first} and {second} cover the same lot sizes.")


class SamplingInvalid(ValidationFailed):
    code = "inspections.sampling_invalid"
    message = _(
        "Sampling row {row}: lot sizes from {lot_from} to {lot_to} need a positive sample size "
        "and an upper bound not below the lower one."
    )


class NewRevisionExists(Conflict):
    code = "inspections.draft_exists"
    message = _("Revision {revision} of this plan is already a draft: edit that one.")


class ValueInvalid(ValidationFailed):
    code = "inspections.value_invalid"
    message = _("{characteristic}: {value} is not an exact number (at most 6 decimals).")


class CharacteristicInvalid(ValidationFailed):
    code = "inspections.characteristic_invalid"
    message = _(
        "Characteristic row {row} needs a name and a kind (numeric, pass_fail or text); "
        "got {name!r} / {kind!r}."
    )
