"""Refusals of the CAPA services (QE-07): stable codes, catalogued text; they write nothing."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


class CapaNotFound(NotFound):
    code = "capa.not_found"
    message = _("CAPA {record_id} does not exist.")


class ActionNotFound(NotFound):
    code = "capa.action_not_found"
    message = _("CAPA {capa} has no action {action_id}.")


class CapaWrongState(Conflict):
    code = "capa.wrong_state"
    message = _("{capa} is {state}: {operation} is possible only while it is {allowed}.")


class FieldRequired(ValidationFailed):
    code = "capa.field_required"
    message = _("{label} is required.")


class UnknownLinkKind(ValidationFailed):
    code = "capa.unknown_link_kind"
    message = _("{kind} is not something a CAPA links to (ncr, complaint, audit, recall).")


class LinkTargetNotFound(ValidationFailed):
    code = "capa.link_target_not_found"
    message = _("There is no {kind} with id {ref_id} to link.")


class LinkDuplicate(Conflict):
    code = "capa.link_duplicate"
    message = _("{capa} is already linked to {kind} {ref}.")


class NotActionOwner(PermissionDenied):
    code = "capa.not_action_owner"
    message = _(
        "Action {action_id} of {capa} is owned by {owner}: only its owner or QA (who may "
        "change CAPAs) can complete it."
    )


class ActionAlreadyDone(Conflict):
    code = "capa.action_already_done"
    message = _("Action {action_id} of {capa} was already completed on {done_at}.")


class ActionsOpen(Conflict):
    code = "capa.actions_open"
    message = _("{capa} has {count} open action(s): complete them first.")


class NoActions(Conflict):
    code = "capa.no_actions"
    message = _("{capa} has no actions to verify.")


class NewActionNeeded(Conflict):
    code = "capa.new_action_needed"
    message = _(
        "The last effectiveness check of {capa} found it not effective: add a new action "
        "before verifying again."
    )


class EffectivenessCheckMissing(Conflict):
    code = "capa.effectiveness_check_missing"
    message = _(
        "{capa} cannot be closed without an effectiveness check that found the actions effective."
    )


class DueDateInPast(ValidationFailed):
    code = "capa.due_date_in_past"
    message = _("The due date {due_date} is before today ({today}).")


class OwnerNotFound(ValidationFailed):
    code = "capa.owner_not_found"
    message = _("There is no active user with id {owner_id} to own this.")
