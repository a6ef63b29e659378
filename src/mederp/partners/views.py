"""Partner pages: thin, calling the same services and selectors as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error, posted_version
from mederp.core.forms import ReasonForm
from mederp.core.viewperms import requires
from mederp.core.workflow_views import actions_for, transition_page
from mederp.identity.credentials import signing_needs_totp
from mederp.identity.models import User
from mederp.partners import selectors, services
from mederp.partners.forms import (
    PARTNER_FORM_FIELDS,
    DocumentForm,
    PartnerFilterForm,
    PartnerForm,
)
from mederp.partners.models import Partner, QualificationDocument


def _typed_name_candidates(request: HttpRequest, exclude_id: int | None = None) -> list[Any]:
    """On a re-displayed form, the near-duplicates of the name typed (as the htmx check shows)."""
    name = request.POST.get("name", "")[:200] if request.method == "POST" else ""
    return selectors.near_duplicate_partners(name, exclude_id) if name.strip() else []


@requires("partners.view_partner")
def partner_list(request: HttpRequest) -> HttpResponse:
    form = PartnerFilterForm(request.GET or None)
    f: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = selectors.partners_matching(f.get("q", ""), f.get("role", ""), f.get("status", ""))
    page = Paginator(qs.prefetch_related("documents"), 50).get_page(request.GET.get("page"))
    day = selectors.today()
    rows = [
        (p, selectors.qualification_of(list(p.documents.all()), day).overall)
        for p in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "partners/partner_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
        },
    )


def _needs_totp(request: HttpRequest) -> bool:
    """Whether the sign dialog asks for the TOTP code (ES-09: first signature of a session)."""
    user = request.user
    return isinstance(user, User) and signing_needs_totp(user, request.session.session_key)


@requires("partners.view_partner")
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(Partner, pk=pk)
    qualification = selectors.qualification_of(selectors.partner_documents(partner))
    return render(
        request,
        "partners/partner_detail.html",
        {
            "partner": partner,
            "qualification": qualification,
            "kinds": [
                (label, qualification.kinds[value])
                for value, label in QualificationDocument.Kind.choices
            ],
            "near_duplicates": selectors.partner_near_duplicates(partner),
            "history": selectors.partner_history(partner),
            "approval": selectors.approval_of(partner),
            "actions": actions_for(
                request,
                partner,
                url_for=lambda name: reverse(
                    "partners:partner_transition", args=[partner.pk, name]
                ),
                needs_totp=_needs_totp(request),
            ),
        },
    )


@requires("partners.view_partner")
def partner_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """A qualification step (submit, approve, reject, suspend, resubmit): the sign dialog's
    target, and its own page without JavaScript. The service checks permission and signature."""
    partner = get_object_or_404(Partner, pk=pk)
    return transition_page(
        request,
        partner,
        name,
        perform=lambda **values: services.transition_partner(
            Actor.from_request(request),
            partner.pk,
            name,
            session_key=request.session.session_key,
            **values,
        ),
        done_url=reverse("partners:partner_detail", args=[partner.pk]),
        needs_totp=_needs_totp(request),
    )


@requires("partners.view_partner")
def partner_name_check(request: HttpRequest) -> HttpResponse:
    """htmx fragment for the create form: partners whose names resemble the one being typed."""
    name = request.GET.get("name", "")[:200]
    exclude = request.GET.get("exclude", "")
    candidates = (
        selectors.near_duplicate_partners(
            name, exclude_id=int(exclude) if exclude.isdigit() else None
        )
        if name.strip()
        else []
    )
    return render(request, "partners/_near_duplicates.html", {"near_duplicates": candidates})


@requires("partners.add_partner")
def partner_create(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None)
    form.set_name_check_url(reverse("partners:partner_name_check"))
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.create_partner(Actor.from_request(request), **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Partner %(code)s created.") % {"code": partner.code})
            near = selectors.partner_near_duplicates(partner)
            if near:
                messages.warning(
                    request,
                    _("Possible duplicates of existing partners: %(names)s. Check them below.")
                    % {"names": ", ".join(f"{m['code']} {m['name']}" for m in near)},
                )
            return redirect("partners:partner_detail", pk=partner.pk)
    return render(
        request,
        "partners/partner_form.html",
        {
            "form": form,
            "creating": True,
            "near_duplicates": _typed_name_candidates(request),
        },
    )


@requires("partners.change_partner")
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(Partner, pk=pk)
    initial = {name: getattr(partner, name) for name in PARTNER_FORM_FIELDS}
    form = PartnerForm(request.POST or None, initial=initial)
    form.set_name_check_url(reverse("partners:partner_name_check") + f"?exclude={partner.pk}")
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and reason_form.is_valid():
        try:
            services.change_partner(
                Actor.from_request(request),
                partner.pk,
                reason=reason_form.cleaned_data["reason"],
                expected_version=posted_version(request),
                **form.cleaned_data,
            )
        except DomainError as exc:
            apply_domain_error(form, exc, reason_form=reason_form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("partners:partner_detail", pk=partner.pk)
    return render(
        request,
        "partners/partner_form.html",
        {
            "form": form,
            "reason_form": reason_form,
            "partner": partner,
            "creating": False,
        },
    )


@requires("partners.view_partner", "partners.add_qualificationdocument")
def document_create(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(Partner, pk=pk)
    form = DocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            doc = services.add_document(
                Actor.from_request(request), partner.pk, **form.cleaned_data
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Document %(number)s added.") % {"number": doc.number})
            return redirect("partners:partner_detail", pk=partner.pk)
    return render(
        request,
        "partners/document_form.html",
        {
            "form": form,
            "partner": partner,
            "creating": True,
        },
    )


@requires("partners.view_partner", "partners.change_qualificationdocument")
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(QualificationDocument.objects.select_related("partner"), pk=pk)
    form = DocumentForm(request.POST or None, initial=DocumentForm.initial_for(doc))
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and reason_form.is_valid():
        try:
            services.change_document(
                Actor.from_request(request),
                doc.pk,
                reason=reason_form.cleaned_data["reason"],
                expected_version=posted_version(request),
                **form.cleaned_data,
            )
        except DomainError as exc:
            apply_domain_error(form, exc, reason_form=reason_form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("partners:partner_detail", pk=doc.partner_id)
    return render(
        request,
        "partners/document_form.html",
        {
            "form": form,
            "reason_form": reason_form,
            "partner": doc.partner,
            "document": doc,
            "creating": False,
        },
    )
