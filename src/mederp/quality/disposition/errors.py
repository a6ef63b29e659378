"""Lot disposition refusals, each with a stable code and catalogued text (STYLE rule 4). A
refusal writes nothing: the gate's run before the signature is asked for, and again inside the
release's transaction."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, NotFound, ValidationFailed

# The gate on QA's release and rejection (ISO 13485 §8.2.6; 21 CFR 820.80(d), 820.86).


class InspectionOpen(Conflict):
    """An inspection of the lot or serial is not completed and no approved deviation waives
    it."""

    code = "disposition.inspection_open"
    message = _(
        "{item} cannot be released: the {stage} inspection {inspection} is not completed. "
        "Complete it, or have a deviation approved that waives it."
    )


class InspectionFailed(Conflict):
    """An inspection failed and no signed "use as is" concession covers the lot or serial
    (QE-01)."""

    code = "disposition.inspection_failed"
    message = _(
        "{item} cannot be released: the {stage} inspection {inspection} failed, and no "
        'nonconformance covers it with a signed "use as is" concession.'
    )


class DhrIncomplete(Conflict):
    """Final release of a made lot or serial needs its work order's DHR complete (820.184)."""

    code = "disposition.dhr_incomplete"
    message = _(
        "{item} cannot be released: the device history record of work order {work_order} is "
        "not complete: {gaps}"
    )


# Deviations.


class DeviationUnknown(NotFound):
    code = "disposition.deviation_unknown"
    message = _("There is no deviation {deviation}.")


class DeviationItemMissing(ValidationFailed):
    code = "disposition.deviation_item_missing"
    message = _("Name the lot or the serial the deviation concerns (one of them).")


class DeviationItemUnknown(NotFound):
    code = "disposition.deviation_item_unknown"
    message = _("There is no {kind} {item}.")


class DeviationTargetMissing(ValidationFailed):
    code = "disposition.deviation_target_missing"
    message = _("Name the inspection the deviation waives, or its stage.")


class DeviationStageUnknown(ValidationFailed):
    code = "disposition.deviation_stage_unknown"
    message = _("{stage} is not an inspection stage: incoming, in_process or final.")


class DeviationInspectionUnknown(NotFound):
    code = "disposition.deviation_inspection_unknown"
    message = _("There is no inspection {inspection}.")


class DeviationInspectionElsewhere(ValidationFailed):
    """The inspection named is not one the gate reads for this lot or serial."""

    code = "disposition.deviation_inspection_elsewhere"
    message = _("Inspection {inspection} is not an inspection of {item}.")


class DeviationInspectionCompleted(Conflict):
    """Nothing to waive: the inspection is complete (a failure needs the NCR's concession)."""

    code = "disposition.deviation_inspection_completed"
    message = _(
        "Inspection {inspection} is already completed ({result}): a deviation waives only an "
        "inspection not yet completed; a failure is decided by its nonconformance."
    )


class DeviationTextMissing(ValidationFailed):
    code = "disposition.deviation_text_missing"
    message = _("Give the deviation, its justification and its risk assessment.")
