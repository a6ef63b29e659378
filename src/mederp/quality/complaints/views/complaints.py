"""The complaint list, intake (scan a UDI), the detail with the assessment, reports, links,
investigation and the sign dialog for closing (QE-02, QE-04..QE-06, QE-08)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mederp.core import clock, signatures
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.selectors import record_history
from mederp.core.viewperms import requires
from mederp.core.workflow_views import actions_for, transition_page
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User
from mederp.quality.capa import selectors as capa_selectors
from mederp.quality.complaints import rules, selectors, services
from mederp.quality.complaints.forms import (
    AssessForm,
    CapaForm,
    FilterForm,
    IntakeForm,
    InvestigationForm,
    NcrForm,
    RecallLinkForm,
    SubmissionForm,
)
from mederp.quality.complaints.models import Complaint, ComplaintState

VIEW = "complaints.view_complaint"
PAGE_SIZE = 50


def needs_totp(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


@requires(VIEW)
def complaint_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    f: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = selectors.complaints(state=f.get("state", ""), q=f.get("q", ""))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/complaint_list.html",
        {"form": form, "page": page, "complaints": page.object_list, "query": query.urlencode()},
    )


@requires("complaints.add_complaint")
def complaint_new(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            c = services.receive_complaint(
                Actor.from_request(request),
                udi=d.get("udi") or "",
                product_code=d.get("product") or "",
                lot_number=d.get("lot") or "",
                serial_number=d.get("serial") or "",
                received_at=d.get("received_at"),
                channel=d["channel"],
                customer_code=d.get("customer") or "",
                complainant_name=d.get("complainant_name") or "",
                complainant_address=d.get("complainant_address") or "",
                complainant_phone=d.get("complainant_phone") or "",
                event_date=d.get("event_date"),
                event_country=d.get("event_country") or "",
                patient_involvement=d["patient_involvement"],
                description=d.get("description") or "",
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Complaint %(number)s received.") % {"number": c.number})
            return redirect("complaints:complaint_detail", pk=c.pk)
    return render(request, "complaints/complaint_form.html", {"form": form})


def _complaint(pk: int) -> Complaint:
    return get_object_or_404(
        Complaint.objects.select_related("product", "lot", "serial", "customer", "recall"), pk=pk
    )


@requires(VIEW)
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    c = _complaint(pk)
    now = clock.now()
    reports = [
        {
            "report": r,
            "urgency": "submitted" if r.submitted_at else rules.urgency(r.due_at, now),
            "left": rules.describe_left(r.due_at - now),
            "late": r.submitted_at is not None and r.submitted_at > r.due_at,
        }
        for r in selectors.reports_of(c.pk)
    ]
    is_open = c.state != ComplaintState.CLOSED
    perms = request.user
    return render(
        request,
        "complaints/complaint_detail.html",
        {
            "complaint": c,
            "reports": reports,
            "can_assess": c.state == ComplaintState.OPEN
            and perms.has_perm("complaints.assess_complaint"),
            "can_investigate": is_open
            and c.state != ComplaintState.OPEN
            and perms.has_perm("complaints.investigate_complaint"),
            "can_link": is_open and perms.has_perm("complaints.link_complaint"),
            "can_submit": is_open and perms.has_perm("complaints.submit_report"),
            "assess_form": AssessForm(),
            "investigation_form": InvestigationForm(
                initial={
                    "investigation": c.investigation,
                    "no_investigation_justification": c.no_investigation_justification,
                    "correction": c.correction,
                    "reply": c.reply,
                }
            ),
            "submission_form": SubmissionForm(),
            "ncr_form": NcrForm(),
            "capa_form": CapaForm(initial={"title": f"{c.number}: {c.product.code}"}),
            # The complaint's own CAPA and any CAPA linked to it from the CAPA side (QE-07).
            "capas": capa_selectors.linked_to("complaint", c.pk, also=(c.capa_id,)),
            "recall_form": RecallLinkForm(),
            "signatures": signatures.signatures_for(c),
            "history": record_history("complaints.complaint", c.pk),
            "actions": actions_for(
                request,
                c,
                url_for=lambda name: reverse("complaints:complaint_transition", args=[c.pk, name]),
                needs_totp=needs_totp(request),
            ),
        },
    )


def _post(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    call: Callable[[Actor, Complaint, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """A detail-page form posted: run the service, show its refusal or ``done``, go back."""
    c = _complaint(pk)
    back = reverse("complaints:complaint_detail", args=[c.pk])
    if request.method != "POST":
        return redirect(back)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Not recorded: check the fields.")
            + " "
            + "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items()),
        )
        return redirect(back)
    try:
        call(Actor.from_request(request), c, form.cleaned_data)
    except DomainError as exc:
        messages.error(request, f"{exc.render_message()} [{exc.code}]")
    else:
        messages.success(request, done)
    return redirect(back)


@requires("complaints.assess_complaint")
def complaint_assess(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        AssessForm,
        lambda actor, c, d: services.assess(
            actor,
            c,
            reportable=d["reportable"],
            event_classes=d.get("event_classes") or [],
            jurisdictions=d.get("jurisdictions") or [],
            rationale=d.get("rationale") or "",
        ),
        _("Assessment recorded."),
    )


@requires("complaints.investigate_complaint")
def complaint_investigation(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        InvestigationForm,
        lambda actor, c, d: services.record_investigation(
            actor,
            c,
            investigation=d.get("investigation") or "",
            no_investigation_justification=d.get("no_investigation_justification") or "",
            correction=d.get("correction") or "",
            reply=d.get("reply") or "",
        ),
        _("Investigation recorded."),
    )


@requires("complaints.submit_report")
def complaint_submit_report(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        SubmissionForm,
        lambda actor, c, d: services.record_submission(
            actor,
            c,
            report_pk,
            authority_reference=d.get("authority_reference") or "",
            submitted_at=d.get("submitted_at"),
        ),
        _("Submission recorded."),
    )


@requires("complaints.link_complaint")
def complaint_ncr(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        NcrForm,
        lambda actor, c, d: services.open_ncr_for(actor, c, quantity=d.get("quantity") or None),
        _("Nonconformance opened and linked."),
    )


@requires("complaints.link_complaint")
def complaint_capa(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        CapaForm,
        lambda actor, c, d: services.open_capa_for(actor, c, title=d["title"]),
        _("CAPA opened and linked."),
    )


@requires("complaints.link_complaint")
def complaint_recall(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        RecallLinkForm,
        lambda actor, c, d: services.link_recall(actor, c, recall_number=d["recall"]),
        _("Recall linked."),
    )


@requires(VIEW)
def complaint_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Closing by signature: the sign dialog's target and its own page without JavaScript.
    The service checks the permission, the reports and the investigation."""
    c = _complaint(pk)
    return transition_page(
        request,
        c,
        name,
        perform=lambda **values: services.close_complaint(
            Actor.from_request(request),
            c.pk,
            password=values.get("password", ""),
            totp=values.get("totp"),
            reason=values.get("reason", ""),
            session_key=request.session.session_key,
        ),
        done_url=reverse("complaints:complaint_detail", args=[c.pk]),
        needs_totp=needs_totp(request),
    )
