"""Recall pages: the list, opening by signature, the detail with every consignee's tracking and
the effectiveness, closing by signature, the list as files (RC-01..RC-06). Thin: every change
goes through :mod:`mederp.compliance.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mederp.compliance import recall_exports, recall_rules, recall_selectors, services
from mederp.compliance.models import Recall, RecallLine, RecallState
from mederp.compliance.recall_forms import (
    AccountForm,
    AcknowledgeForm,
    NotifyForm,
    OpenRecallForm,
    RecallFilterForm,
)
from mederp.core import clock, signatures
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.models import AuditEntry
from mederp.core.selectors import record_history, with_change_items
from mederp.core.viewperms import requires
from mederp.core.workflow_views import TOTP_REQUIRED, actions_for, transition_page
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User
from mederp.inventory.rules import normal

VIEW = "compliance.view_recall"
PAGE_SIZE = 50
LINES_PAGE = 50
ITEMS_SHOWN = 500
CHART_CONSIGNEES = 40


def needs_totp(request: HttpRequest) -> bool:
    """Whether the sign form asks for the TOTP code (ES-09: first signature of a session)."""
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


@requires(VIEW)
def recall_list(request: HttpRequest) -> HttpResponse:
    form = RecallFilterForm(request.GET or None)
    f: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = recall_selectors.recalls(state=f.get("state", ""), q=f.get("q", ""))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "compliance/recall_list.html",
        {
            "form": form,
            "page": page,
            "recalls": page.object_list,
            "query": query.urlencode(),
            "today": clock.today(),
        },
    )


@requires("compliance.open_recall")
def recall_open(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = OpenRecallForm(data, needs_totp=needs_totp(request))
    if request.method == "POST" and form.is_valid():
        try:
            recall = services.open_recall(
                Actor.from_request(request),
                references=form.references(),
                product_code=form.cleaned_data.get("product") or None,
                classification=form.cleaned_data["classification"],
                reason=form.cleaned_data["reason"],
                decision_date=form.cleaned_data.get("decision_date"),
                password=form.cleaned_data["password"],
                totp=(form.cleaned_data.get("totp") or "").strip() or None,
                session_key=request.session.session_key,
            )
        except DomainError as exc:
            if exc.code == TOTP_REQUIRED and "totp" not in form.fields:
                form = OpenRecallForm(data, needs_totp=True)
                form.is_valid()
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Recall %(number)s opened. Held: lots %(lots)s, serials %(serials)s. "
                    "Consignee lines to notify by %(deadline)s: %(lines)s."
                )
                % {
                    "number": recall.number,
                    "lots": recall.affected_lots,
                    "serials": recall.affected_serials,
                    "lines": recall.line_count,
                    "deadline": recall.notification_deadline.isoformat(),
                },
            )
            return redirect("compliance:recall_detail", pk=recall.pk)
    return render(request, "compliance/recall_form.html", {"form": form})


def _recall(pk: int) -> Recall:
    return get_object_or_404(Recall, pk=pk)


def _history(recall: Recall) -> list[AuditEntry]:
    """The recall's own entries and the latest tracking entries of its lines (labelled with
    the recall's number), newest first."""
    own = record_history("compliance.recall", recall.pk)
    tracking = with_change_items(
        AuditEntry.objects.filter(
            record_type="compliance.recallline", record_label__startswith=f"{recall.number} "
        ).order_by("-id")[:100]
    )
    return sorted([*own, *tracking], key=lambda e: e.pk, reverse=True)


@requires(VIEW)
def recall_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recall = _recall(pk)
    consignee = request.GET.get("consignee", "")
    summary = recall_selectors.consignees(recall.pk)
    lines = recall_selectors.lines(recall.pk, consignee=consignee)
    page = Paginator(lines, LINES_PAGE).get_page(request.GET.get("page"))
    accounted, shipped, ratio = services.effectiveness(recall)
    items = recall_selectors.items(recall.pk)
    is_open = recall.state == RecallState.OPEN
    can_track = is_open and request.user.has_perm("compliance.track_recall")
    return render(
        request,
        "compliance/recall_detail.html",
        {
            "recall": recall,
            "class_label": recall_rules.class_label(recall.classification),
            "class_meaning": recall_rules.MEANINGS[recall.classification],
            "overdue": recall_rules.overdue(
                recall.notification_deadline,
                clock.today(),
                all(c.fully_notified for c in summary),
            )
            and is_open,
            "summary": summary,
            "chart": summary[:CHART_CONSIGNEES],
            "chart_height": 28 * min(len(summary), CHART_CONSIGNEES) + 8,
            "more_consignees": max(0, len(summary) - CHART_CONSIGNEES),
            "consignee": consignee,
            "page": page,
            "lines": page.object_list,
            "query": f"consignee={consignee}" if consignee else "",
            "items": items[:ITEMS_SHOWN],
            "more_items": max(0, recall.affected_lots + recall.affected_serials - ITEMS_SHOWN),
            "reservations": recall_selectors.open_reservations(recall.pk)[:200],
            "accounted": accounted,
            "shipped": shipped,
            "ratio": ratio,
            "percent": 0 if ratio is None else min(100, int(ratio * 100)),
            "can_track": can_track,
            "notify_form": NotifyForm(),
            "ack_form": AcknowledgeForm(),
            "signatures": signatures.signatures_for(recall),
            "history": _history(recall),
            "actions": actions_for(
                request,
                recall,
                url_for=lambda name: reverse(
                    "compliance:recall_transition", args=[recall.pk, name]
                ),
                needs_totp=needs_totp(request),
            ),
        },
    )


def _consignee_lines(recall: Recall, code: str) -> list[int]:
    return list(
        RecallLine.objects.filter(recall=recall, consignee_code=code).values_list("pk", flat=True)
    )


def _back(recall: Recall, code: str = "") -> HttpResponse:
    url = reverse("compliance:recall_detail", args=[recall.pk])
    return redirect(f"{url}?consignee={code}#lines" if code else url)


@requires("compliance.track_recall")
def recall_notify(request: HttpRequest, pk: int) -> HttpResponse:
    """Every line of one consignee notified (POST from the detail page)."""
    recall = _recall(pk)
    form = NotifyForm(request.POST or None)
    if request.method != "POST":
        return _back(recall)
    if not form.is_valid():
        messages.error(request, _("The notice was not recorded: check the fields."))
        return _back(recall)
    code = form.cleaned_data["consignee"]
    try:
        done = services.record_notification(
            Actor.from_request(request),
            _consignee_lines(recall, code),
            via=form.cleaned_data["via"],
            notified_at=form.cleaned_data.get("notified_at"),
            notes=form.cleaned_data.get("notes") or "",
            recall_id=recall.pk,
        )
    except DomainError as exc:
        messages.error(request, f"{exc.render_message()} [{exc.code}]")
    else:
        messages.success(
            request,
            _("%(consignee)s: notice recorded on %(n)s lines.")
            % {"consignee": code, "n": len(done)},
        )
    return _back(recall, code)


@requires("compliance.track_recall")
def recall_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Every line of one consignee acknowledged (POST from the detail page)."""
    recall = _recall(pk)
    form = AcknowledgeForm(request.POST or None)
    if request.method != "POST":
        return _back(recall)
    if not form.is_valid():
        messages.error(request, _("The acknowledgement was not recorded: check the fields."))
        return _back(recall)
    code = form.cleaned_data["consignee"]
    try:
        done = services.record_acknowledgement(
            Actor.from_request(request),
            _consignee_lines(recall, code),
            acknowledged_at=form.cleaned_data.get("acknowledged_at"),
            notes=form.cleaned_data.get("notes") or "",
            recall_id=recall.pk,
        )
    except DomainError as exc:
        messages.error(request, f"{exc.render_message()} [{exc.code}]")
    else:
        messages.success(
            request,
            _("%(consignee)s: acknowledgement recorded on %(n)s lines.")
            % {"consignee": code, "n": len(done)},
        )
    return _back(recall, code)


@requires("compliance.track_recall")
def recall_account(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """What of one line came back or was otherwise accounted for (RC-06)."""
    recall = _recall(pk)
    line = get_object_or_404(RecallLine, pk=line_pk, recall=recall)
    initial = {
        "quantity_returned": f"{normal(line.quantity_returned):f}",
        "quantity_accounted": f"{normal(line.quantity_accounted):f}",
        "disposition": line.disposition,
    }
    form = AccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_accounted(
                Actor.from_request(request),
                line.pk,
                quantity_returned=form.cleaned_data["quantity_returned"],
                quantity_accounted=form.cleaned_data["quantity_accounted"],
                disposition=form.cleaned_data.get("disposition") or "",
                notes=form.cleaned_data.get("notes") or "",
                recall_id=recall.pk,
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("%(line)s: quantities recorded.") % {"line": line})
            return _back(recall, line.consignee_code)
    return render(
        request,
        "compliance/recall_account.html",
        {
            "recall": recall,
            "line": line,
            "udi": recall_rules.udi_text(
                line.gtin, lot=line.lot_number, serial=line.serial_number, expiry=line.expiry_date
            ),
            "form": form,
        },
    )


@requires(VIEW)
def recall_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Closing by signature: the sign dialog's target, and its own page without JavaScript.
    The service checks the permission, the other signer and the notices."""
    recall = _recall(pk)
    return transition_page(
        request,
        recall,
        name,
        perform=lambda **values: services.close_recall(
            Actor.from_request(request),
            recall.pk,
            password=values.get("password", ""),
            totp=values.get("totp"),
            reason=values.get("reason", ""),
            session_key=request.session.session_key,
        ),
        done_url=reverse("compliance:recall_detail", args=[recall.pk]),
        needs_totp=needs_totp(request),
    )


_FILES = {
    "csv": (recall_exports.to_csv, recall_exports.CSV_TYPE),
    "xlsx": (recall_exports.to_xlsx, recall_exports.XLSX_TYPE),
    "pdf": (recall_exports.to_pdf, recall_exports.PDF_TYPE),
}


@requires(VIEW)
def recall_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The recall list as CSV, XLSX or PDF (RC-04)."""
    if fmt not in _FILES:
        raise Http404
    recall = _recall(pk)
    build, content_type = _FILES[fmt]
    response = HttpResponse(build(recall), content_type=content_type)
    name = recall_exports.filename(recall, fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
