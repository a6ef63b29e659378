"""How the device history record reads: the page's labelled rows and the PDF's blocks.

:mod:`mederp.compliance.dhr` holds codes and values (what the JSON carries and the hash
covers); this module turns them into words in the reader's language, once, for the page and the
printed copy alike. The PDF prints every signature's manifestation (21 CFR 11.50) and the
record's content SHA-256 on each page (11.10(b)).
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from mederp.compliance import dhr as dhr_module
from mederp.compliance.dhr import Dhr
from mederp.core import pdf
from mederp.inventory.models import StockStatus
from mederp.production.models import CheckResult, OutputKind, Source, WorkOrderState

ACTIVITY_LABELS: dict[str, Promise] = {
    dhr_module.ISSUED: gettext_lazy("material issue"),
    dhr_module.OUTPUT: gettext_lazy("output reported"),
    dhr_module.SCRAPPED: gettext_lazy("component scrap"),
    dhr_module.OPERATION: gettext_lazy("operations"),
    dhr_module.CHECK: gettext_lazy("in-process checks"),
}
ORIGIN_LABELS: dict[str, Promise] = {
    dhr_module.SUPPLIER: pgettext_lazy("origin of a lot", "supplier"),
    dhr_module.IN_HOUSE: gettext_lazy("made in-house"),
    dhr_module.UNKNOWN: gettext_lazy("origin not on record"),
}
GROUP_LABELS: dict[str, Promise] = {
    "bom": gettext_lazy("BOM version approval"),
    "output_lot": gettext_lazy("QA release of output lot"),
    "output_serial": gettext_lazy("QA release of output serial"),
    "work_order": gettext_lazy("Work order closed: device history record reviewed"),
}


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def labelled(record: Dhr) -> dict[str, Any]:
    """The record's parts with a ``*_label`` beside every code, for the page and the PDF."""
    wo = copy.copy(record.work_order)
    wo["state_label"] = _label(WorkOrderState, wo["state"])
    components = copy.deepcopy(record.components)
    for line in components:
        for item in line["items"]:
            item["origin_label"] = str(ORIGIN_LABELS.get(item["origin"], item["origin"]))
            item["source_label"] = _label(Source, item["source"])
            item["origin_text"] = origin_text(item)
    operators = copy.deepcopy(record.operators)
    for op in operators:
        op["activities_text"] = ", ".join(
            f"{ACTIVITY_LABELS[a['activity']]} × {a['count']}" for a in op["activities"]
        )
        op["sources_text"] = ", ".join(_label(Source, s) for s in op["sources"])
    checks = copy.deepcopy(record.checks)
    for c in checks:
        c["result_label"] = _label(CheckResult, c["result"])
    outputs = copy.deepcopy(record.outputs)
    for o in outputs:
        o["kind_label"] = _label(OutputKind, o["kind"])
    items = copy.deepcopy(record.output_items)
    for i in items:
        i["status_label"] = _label(StockStatus, i["status"])
    groups = [
        {"label": f"{GROUP_LABELS.get(g.what, g.what)}: {g.label}", "group": g}
        for g in record.signature_groups
    ]
    return {
        "work_order": wo,
        "bom": record.bom,
        "components": components,
        "operators": operators,
        "operations": record.operations,
        "checks": checks,
        "component_scrap": record.component_scrap,
        "outputs": outputs,
        "scrap_and_rework": [o for o in outputs if o["kind"] != OutputKind.GOOD],
        "output_items": items,
        "totals": record.totals,
        "signature_groups": groups,
        "content_sha256": record.content_sha256,
    }


def origin_text(item: dict[str, Any]) -> str:
    """ "Supplier name (GR00000012)", "made in-house: WO-2026-00001", or "origin not on record"."""
    if item["suppliers"]:
        return "; ".join(f"{s['name']} ({s['receipt']})" for s in item["suppliers"])
    if item["made_by_work_orders"]:
        return _("made in-house: %(orders)s") % {"orders": ", ".join(item["made_by_work_orders"])}
    return str(ORIGIN_LABELS[dhr_module.UNKNOWN])


def _item(row: dict[str, Any]) -> str:
    if row.get("serial_number"):
        lot = f" ({_('lot')} {row['lot_number']})" if row.get("lot_number") else ""
        return f"{_('serial')} {row['serial_number']}{lot}"
    if row.get("lot_number"):
        return f"{_('lot')} {row['lot_number']}"
    return "—"


def pdf_blocks(record: Dhr) -> list[pdf.Block]:
    """The printed DHR, part by part (820.184(a)-(f))."""
    d = labelled(record)
    wo, bom, totals = d["work_order"], d["bom"], d["totals"]
    device = wo["device"]
    blocks: list[pdf.Block] = [
        pdf.Facts(
            [
                (_("Work order"), wo["number"]),
                (_("Device"), f"{device['code']} {device['name_zh']} / {device['name_en']}"),
                (_("UDI-DI (GTIN)"), device["gtin"]),
                (_("State"), wo["state_label"]),
                (_("Planned quantity"), wo["planned_quantity"]),
                (_("Good quantity made"), wo["actual_quantity"]),
                (_("Output lot"), wo["output_lot_number"]),
                (
                    _("BOM version"),
                    _("%(device)s version %(revision)s, effective from %(date)s")
                    % {
                        "device": bom["device"],
                        "revision": bom["revision"],
                        "date": pdf.text_of(bom["effective_from"]),
                    },
                ),
                (
                    _("Planned start / end"),
                    f"{wo['planned_start']} / {pdf.text_of(wo['planned_end'])}",
                ),
                (_("Created"), wo["created_at"]),
                (_("Released"), wo["released_at"]),
                (_("Started"), wo["started_at"]),
                (_("Completed"), wo["completed_at"]),
                (_("Closed"), wo["closed_at"]),
            ],
        ),
        pdf.Heading(_("Components")),
        pdf.Table(
            [
                _("Line"),
                _("Component"),
                _("Unit"),
                _("Per unit"),
                _("Planned"),
                _("Expected for good output"),
                pgettext("quantity issued", "Issued"),
                _("Scrapped"),
            ],
            [
                [
                    line["line_no"],
                    f"{line['component']['code']} {line['component']['name_zh']}",
                    line["uom"],
                    line["quantity_per_unit"],
                    line["planned"],
                    line["expected"],
                    line["issued"],
                    line["scrapped"],
                ]
                for line in d["components"]
            ],
            widths=[0.6, 2.4, 0.7, 0.9, 0.9, 1.2, 0.9, 0.9],
        ),
        pdf.Heading(_("Component lots and serials used")),
        pdf.Table(
            [
                _("Component"),
                _("Lot / serial"),
                _("Expiry"),
                _("Quantity"),
                _("Supplier or origin"),
                pgettext("quantity issued", "Issued"),
                _("Operator"),
            ],
            [
                [
                    line["component"]["code"],
                    _item(item),
                    item["expiry_date"],
                    item["quantity"],
                    item["origin_text"],
                    item["issued_at"],
                    item["operator"],
                ]
                for line in d["components"]
                for item in line["items"]
            ],
            widths=[1.1, 1.5, 0.9, 0.8, 2.2, 1.4, 1.4],
            empty=_("No material was issued."),
        ),
        pdf.Heading(_("Operators")),
        pdf.Table(
            [_("Operator"), _("What they did"), _("Source"), _("First"), _("Last")],
            [
                [
                    op["name"],
                    op["activities_text"],
                    op["sources_text"],
                    op["first_at"],
                    op["last_at"],
                ]
                for op in d["operators"]
            ],
            widths=[1.6, 2.6, 0.9, 1.4, 1.4],
            empty=_("Nobody recorded anything yet."),
        ),
        pdf.Heading(_("Operations")),
        pdf.Table(
            [
                _("Operation"),
                _("Workstation"),
                _("Started"),
                _("Completed"),
                _("Good"),
                pgettext("production", "Scrap"),
                _("Operator"),
                _("Notes"),
            ],
            [
                [
                    op["operation"],
                    op["workstation"],
                    op["started_at"],
                    op["completed_at"],
                    op["quantity_good"],
                    op["quantity_scrap"],
                    op["operator"],
                    op["notes"],
                ]
                for op in d["operations"]
            ],
            widths=[1.2, 1, 1.4, 1.4, 0.7, 0.7, 1.3, 1.3],
            empty=_("No operation recorded."),
        ),
        pdf.Heading(_("In-process checks")),
        pdf.Table(
            [
                _("Operation"),
                _("Characteristic"),
                _("Specification"),
                _("Measured"),
                pgettext("check", "Result"),
                _("Recorded"),
                _("Operator"),
            ],
            [
                [
                    c["operation"],
                    c["characteristic"],
                    c["specification"],
                    c["measured_value"],
                    c["result_label"],
                    c["recorded_at"],
                    c["operator"],
                ]
                for c in d["checks"]
            ],
            widths=[1, 1.6, 1.3, 1, 0.7, 1.4, 1.3],
            empty=_("No in-process check recorded."),
        ),
        pdf.Heading(_("Scrap and rework")),
        pdf.Table(
            [_("What"), _("Item"), _("Quantity"), _("Reason"), _("Recorded"), _("Operator")],
            [
                [
                    s["component"],
                    _item(s),
                    s["quantity"],
                    s["reason"],
                    s["recorded_at"],
                    s["operator"],
                ]
                for s in d["component_scrap"]
            ]
            + [
                [
                    o["kind_label"],
                    device["code"],
                    o["quantity"],
                    o["reason"],
                    o["recorded_at"],
                    o["operator"],
                ]
                for o in d["scrap_and_rework"]
            ],
            widths=[1.2, 1.3, 0.8, 2.2, 1.4, 1.3],
            empty=_("No scrap or rework."),
        ),
        pdf.Heading(_("Yield")),
        pdf.Facts(
            [
                (_("Good"), totals["good"]),
                (pgettext("production", "Scrap"), totals["scrap"]),
                (_("Rework"), totals["rework"]),
                (_("Yield: good / (good + scrap)"), _percent(totals)),
            ]
        ),
        pdf.Bar(_("Yield"), _fraction(totals), _percent(totals)),
        pdf.Heading(_("Output")),
        pdf.Table(
            [
                _("Lot / serial"),
                _("UDI (GS1)"),
                _("Manufactured"),
                _("Expiry"),
                _("Quantity"),
                _("Status now"),
            ],
            [
                [
                    _item(i),
                    i["udi"],
                    i["manufacture_date"],
                    i["expiry_date"],
                    i["quantity"],
                    i["status_label"],
                ]
                for i in d["output_items"]
            ],
            widths=[1.4, 2.8, 1, 1, 0.8, 1],
            empty=_("No good output reported."),
        ),
        pdf.Heading(_("Electronic signatures")),
    ]
    for g in d["signature_groups"]:
        blocks.append(pdf.Signatures(g["group"].views, title=g["label"]))
    return blocks


def _percent(totals: dict[str, Any]) -> str:
    return f"{totals['yield_percent']} %" if totals["yield_percent"] is not None else "—"


def _fraction(totals: dict[str, Any]) -> Decimal | None:
    return Decimal(totals["yield_ratio"]) if totals["yield_ratio"] is not None else None


def render_pdf(record: Dhr) -> bytes:
    wo = record.work_order
    return pdf.render_pdf(
        _("Device history record %(number)s") % {"number": wo["number"]},
        pdf_blocks(record),
        subtitle=f"{wo['device']['code']} · {wo['device']['name_zh']} / {wo['device']['name_en']}",
        content_sha256=record.content_sha256,
    )
