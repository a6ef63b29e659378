"""Reporting rules (QE-04..QE-06): the list, and QA's form to add or change one (audited; a
change never moves a deadline already computed)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.formerrors import apply_domain_error
from mederp.core.selectors import record_history
from mederp.core.viewperms import requires
from mederp.quality.complaints import services
from mederp.quality.complaints.forms import RuleForm
from mederp.quality.complaints.models import ReportingRule
from mederp.quality.complaints.services.reporting_rules import FIELDS


@requires("complaints.view_reportingrule")
def rule_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "complaints/rule_list.html",
        {"rules": ReportingRule.objects.order_by("jurisdiction", "condition", "code")},
    )


@requires("complaints.add_reportingrule")
def rule_new(request: HttpRequest) -> HttpResponse:
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in FIELDS}
        try:
            rule = services.create_rule(
                Actor.from_request(request), reason=form.cleaned_data.get("reason") or "", **values
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Reporting rule %(code)s added.") % {"code": rule.code})
            return redirect("complaints:rule_list")
    return render(request, "complaints/rule_form.html", {"form": form, "rule": None})


@requires("complaints.change_reportingrule")
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(ReportingRule, pk=pk)
    initial = {k: getattr(rule, k) for k in FIELDS}
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in FIELDS}
        try:
            services.change_rule(
                Actor.from_request(request),
                rule.pk,
                changes,
                reason=form.cleaned_data.get("reason") or "",
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Reporting rule %(code)s changed.") % {"code": rule.code})
            return redirect("complaints:rule_list")
    return render(
        request,
        "complaints/rule_form.html",
        {
            "form": form,
            "rule": rule,
            "history": record_history("complaints.reportingrule", rule.pk),
        },
    )
