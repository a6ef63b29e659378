"""Cold-chain refusals, each with a stable code and catalogued text (STYLE rule 4)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, ValidationFailed


class ReadingNotExact(ValidationFailed):
    """DI-09: a temperature is an exact decimal, never a float or a word."""

    code = "inventory.reading_not_exact"
    message = _("The temperature must be an exact decimal number of °C.")


class ReadingPrecision(ValidationFailed):
    code = "inventory.reading_precision"
    message = _("The temperature {celsius} °C has more than {places} decimal places.")


class ReadingOutOfBounds(ValidationFailed):
    """DI-09: a range check on temperatures: outside what any logger can measure."""

    code = "inventory.reading_out_of_bounds"
    message = _("{celsius} °C is not a plausible reading (accepted: {low} to {high} °C).")


class ReadingTimeNaive(ValidationFailed):
    code = "inventory.reading_time_naive"
    message = _("The measurement time must state its UTC offset (for example 2026-06-15T08:00Z).")


class ReadingInFuture(ValidationFailed):
    code = "inventory.reading_in_future"
    message = _("The measurement time {measured_at} is in the future (server time {now}).")


class ReadingIdInvalid(ValidationFailed):
    code = "inventory.reading_id_invalid"
    message = _("The reading id must be 1 to {most} visible characters.")


class ReadingLocationExternal(ValidationFailed):
    code = "inventory.reading_location_external"
    message = _(
        "{location} ({kind}) is outside the warehouse's own locations: it has no temperature."
    )


class ReadingConflict(Conflict):
    """A logger's reading id names one measurement; the same id with other values is a
    different reading claiming the same identity (never overwritten: DI-02, CN-14)."""

    code = "inventory.reading_conflict"
    message = _(
        "Reading {reading_id} was already recorded with other values ({fields}); a reading is "
        "never changed."
    )


class BatchEmpty(ValidationFailed):
    code = "inventory.reading_batch_empty"
    message = _("Send between 1 and {most} readings.")


class ExcursionNotOpen(Conflict):
    code = "inventory.excursion_not_open"
    message = _("Excursion {excursion} is already closed.")


class ExcursionHoldsActive(Conflict):
    """Closing is QA's statement that every affected stock was evaluated: each hold it placed
    must first be released or the stock rejected."""

    code = "inventory.excursion_holds_active"
    message = _(
        "Excursion {excursion} still has {count} stock hold(s) waiting for a QA decision; "
        "release or reject them first."
    )


class ExcursionStillOut(Conflict):
    code = "inventory.excursion_still_out_of_range"
    message = _(
        "The latest reading at {location} ({celsius} °C at {measured_at}) is still outside the "
        "storage range of stock there; the excursion cannot be closed yet."
    )


class HoldNotLocated(Conflict):
    code = "inventory.hold_not_located"
    message = _(
        "Hold {hold} covers every location; reject the lot itself instead of moving its stock."
    )


class RejectionLocationRequired(ValidationFailed):
    code = "inventory.rejection_location_required"
    message = _(
        "Rejected stock goes to a rejected-goods location of warehouse {warehouse}; "
        "{location} ({kind}) is not one."
    )


class NothingHeldHere(Conflict):
    code = "inventory.nothing_held_here"
    message = _("Hold {hold} covers no stock at {location} any more; release it instead.")
