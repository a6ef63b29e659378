"""Recall decisions that need no database: the notification clock, the class labels, the
effectiveness ratio, quantities a consignee reports, a unit's UDI as printed (RC-01, RC-02,
RC-06)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from mederp.compliance.errors import RecallClassUnknown, RecallQuantityInvalid

#: RC-02 (医疗器械召回管理办法): consignees are notified within 1, 3 or 7 days of the decision.
NOTIFY_WITHIN_DAYS = {"I": 1, "II": 3, "III": 7}

#: RC-01: China's names of the three levels (召回管理办法), shown beside the FDA class.
CN_LEVELS = {"I": "一级召回", "II": "二级召回", "III": "三级召回"}

#: RC-01: what each class means (21 CFR 7.3; 召回管理办法).
MEANINGS = {
    "I": _(
        "Use may cause, or has caused, serious injury or death (a reasonable probability of "
        "serious adverse health consequences)."
    ),
    "II": _(
        "Use may cause, or has caused, temporary or medically reversible harm; serious harm is "
        "remote."
    ),
    "III": _("Use is unlikely to cause harm, but the product must still be recalled."),
}

#: The recall number: RC-2026-00001.
PREFIX = "RC"

RATIO_PLACES = Decimal("0.0001")
QUANTITY_MAX_PLACES = 6


def classification(value: object) -> str:
    """``"I"``, ``"II"`` or ``"III"`` (also ``"1"``..``"3"`` and ``"class ii"``); else refused."""
    text = str(value or "").strip().upper().removeprefix("CLASS").strip()
    text = {"1": "I", "2": "II", "3": "III"}.get(text, text)
    if text not in NOTIFY_WITHIN_DAYS:
        raise RecallClassUnknown(classification=str(value), field="classification")
    return text


def notification_deadline(cls: str, decision_date: dt.date) -> dt.date:
    """The last day to notify every consignee: decision date + 1, 3 or 7 days (RC-02)."""
    return decision_date + dt.timedelta(days=NOTIFY_WITHIN_DAYS[cls])


def class_label(cls: str, *, translated: bool = True) -> str:
    """``Class II / 二级召回``: the FDA class and China's level together (RC-01). Files that
    travel (the exports) keep the English class name whatever the reader's language."""
    if translated:
        fda = {
            "I": pgettext("recall class", "Class I"),
            "II": pgettext("recall class", "Class II"),
            "III": pgettext("recall class", "Class III"),
        }[cls]
    else:
        fda = {"I": "Class I", "II": "Class II", "III": "Class III"}[cls]
    return f"{fda} / {CN_LEVELS[cls]}"


def ratio(accounted: Decimal, shipped: Decimal) -> Decimal | None:
    """Accounted for / shipped, four places; ``None`` when nothing was shipped."""
    if shipped <= 0:
        return None
    return (accounted / shipped).quantize(RATIO_PLACES)


def parse_count(value: object, field: str) -> Decimal:
    """A quantity a consignee reports: exact, zero or more, at most six decimals. Floats are
    refused, never converted."""
    problem = RecallQuantityInvalid(value=str(value), field=field)
    if isinstance(value, bool | float):
        raise problem
    if isinstance(value, int):
        quantity = Decimal(value)
    elif isinstance(value, Decimal):
        quantity = value
    elif isinstance(value, str):
        try:
            quantity = Decimal(value.strip() or "0")
        except ArithmeticError:
            raise problem from None
    else:
        raise problem
    if not quantity.is_finite() or quantity < 0 or quantity.adjusted() >= 12:
        raise problem
    exponent = quantity.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > QUANTITY_MAX_PLACES:
        raise problem
    return quantity


def udi_text(gtin: str, *, lot: str = "", serial: str = "", expiry: dt.date | None = None) -> str:
    """The UDI in GS1 human-readable form: ``(01)GTIN(17)YYMMDD(10)LOT(21)SERIAL``."""
    text = f"(01){gtin}"
    if expiry is not None:
        text += f"(17){expiry:%y%m%d}"
    if lot:
        text += f"(10){lot}"
    if serial:
        text += f"(21){serial}"
    return text


def overdue(deadline: dt.date, today: dt.date, notified_all: bool) -> bool:
    """Past the notification deadline with a consignee not yet notified."""
    return not notified_all and today > deadline
