"""Receiving a complaint (21 CFR 820.35(a); QE-02, QE-05, QE-08; UDI-15; DI-09).

The device must be identified: a product, or a UDI scan whose device identifier names one, or
a lot or serial number that belongs to exactly one product. A scanned UDI fills the product,
lot and serial it carries (GS1 or HIBC, read by :mod:`mederp.catalog.barcodes`); what was
typed must agree with it. A lot or serial must belong to the product. Refusals write nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mederp.catalog.barcodes import parse_scan
from mederp.catalog.models import Product
from mederp.catalog.selectors import business_date
from mederp.core import audit, clock, outbox
from mederp.core.actors import Actor
from mederp.core.numbering import next_number
from mederp.core.services import authorize
from mederp.inventory.models import Lot, Serial
from mederp.partners.models import Partner
from mederp.quality.complaints import errors, events
from mederp.quality.complaints.closure import COMPLAINT
from mederp.quality.complaints.models import Channel, Complaint, PatientInvolvement

PREFIX = "CP"
ADD_PERMISSION = "complaints.add_complaint"


@dataclass(frozen=True)
class Identified:
    product: Product
    lot: Lot | None
    serial: Serial | None


def _from_scan(udi: str) -> tuple[Product, str, str]:
    result = parse_scan(udi)
    if not result.ok:
        for problem in result.problems:
            problem.details.setdefault("field", "udi")
        result.raise_for_problems()
    products = Product.objects.all()
    if result.gtin is not None:
        product = products.filter(gtin=result.gtin).first()
    else:
        product = products.filter(hibc_di=result.di or "").first()
    if product is None:
        raise errors.UdiProductUnknown(di=result.di or "", field="udi")
    return product, result.lot or "", result.serial or ""


def _agree(label: str, scanned: str, typed: str) -> str:
    if scanned and typed and scanned != typed:
        raise errors.UdiLotMismatch(field_label=label, scanned=scanned, typed=typed, field="udi")
    return typed or scanned


def _product_by_number(lot_number: str, serial_number: str) -> Product:
    number = serial_number or lot_number
    if serial_number:
        ids = set(
            Serial.objects.filter(serial_number=serial_number).values_list("product_id", flat=True)
        )
    else:
        ids = set(Lot.objects.filter(number=lot_number).values_list("product_id", flat=True))
    if not ids:
        raise errors.LotUnknown(number=number, field="serial" if serial_number else "lot")
    if len(ids) > 1:
        codes = sorted(Product.objects.filter(pk__in=ids).values_list("code", flat=True))
        raise errors.LotAmbiguous(number=number, products=", ".join(codes), field="product")
    return Product.objects.get(pk=ids.pop())


def identify(
    *, product: Product | None, udi: str, lot_number: str, serial_number: str
) -> Identified:
    """The product, lot and serial a complaint is about, or the coded refusal."""
    udi, lot_number, serial_number = udi.strip(), lot_number.strip(), serial_number.strip()
    if udi:
        scanned, scanned_lot, scanned_serial = _from_scan(udi)
        if product is not None and product.pk != scanned.pk:
            raise errors.UdiProductMismatch(scanned=scanned.code, product=product.code, field="udi")
        product = scanned
        lot_number = _agree(_("lot"), scanned_lot, lot_number)
        serial_number = _agree(_("serial"), scanned_serial, serial_number)
    if product is None and (lot_number or serial_number):
        product = _product_by_number(lot_number, serial_number)
    if product is None:
        raise errors.ProductMissing(field="product")
    lot = serial = None
    if lot_number:
        lot = Lot.objects.filter(product=product, number=lot_number).first()
        if lot is None:
            raise errors.LotNotOfProduct(number=lot_number, product=product.code, field="lot")
    if serial_number:
        serial = Serial.objects.filter(product=product, serial_number=serial_number).first()
        if serial is None:
            raise errors.LotNotOfProduct(number=serial_number, product=product.code, field="serial")
        if lot is not None and serial.lot_id not in (None, lot.pk):
            raise errors.SerialNotOfLot(serial=serial_number, lot=lot_number, field="serial")
    return Identified(product, lot, serial)


def _choice(value: str, choices: Any, field: str, label: str) -> str:
    if value not in choices.values:
        raise errors.ChoiceUnknown(value=value, field_label=label, field=field)
    return value


def _customer(code: str) -> Partner | None:
    code = (code or "").strip()
    if not code:
        return None
    found = Partner.objects.filter(code=code).first()
    if found is None:
        raise errors.CustomerUnknown(customer=code, field="customer")
    return found


def received_payload(c: Complaint) -> dict[str, Any]:
    return {
        "id": c.pk,
        "number": c.number,
        "received_at": c.received_at,
        "channel": c.channel,
        "product_code": c.product.code,
        "lot": c.lot.number if c.lot else None,
        "serial": c.serial.serial_number if c.serial else None,
        "udi": c.udi,
        "event_date": c.event_date,
        "patient_involvement": c.patient_involvement,
        "customer_code": c.customer.code if c.customer else None,
    }


def receive_complaint(
    actor: Actor,
    *,
    description: str,
    patient_involvement: str,
    channel: str = Channel.PHONE,
    product: Product | None = None,
    product_code: str = "",
    udi: str = "",
    lot_number: str = "",
    serial_number: str = "",
    received_at: dt.datetime | None = None,
    event_date: dt.date | None = None,
    event_country: str = "",
    customer_code: str = "",
    complainant_name: str = "",
    complainant_address: str = "",
    complainant_phone: str = "",
) -> Complaint:
    """Record a complaint (CP-YYYY-NNNNN), state ``open`` (permission
    ``complaints.add_complaint``). ``received_at`` is when the company became aware (default:
    now); every reporting deadline counts from it.

    Refused with nothing written: no product identification (``complaints.product_missing``),
    a bad or unknown UDI (``barcodes.*``, ``complaints.udi_product_unknown``), a lot or serial
    not of the product (``complaints.lot_not_of_product``), an event date in the future, no
    description, an unknown channel, involvement or customer."""
    authorize(actor, ADD_PERMISSION)
    text = (description or "").strip()
    if not text:
        raise errors.DescriptionMissing(field="description")
    _choice(
        patient_involvement, PatientInvolvement, "patient_involvement", _("patient involvement")
    )
    _choice(channel, Channel, "channel", _("channel"))
    now = clock.now()
    aware = received_at or now
    if aware > now:
        raise errors.ReceivedInFuture(field="received_at")
    today = business_date()
    if event_date is not None and event_date > today:
        raise errors.EventDateInFuture(
            value=event_date.isoformat(), today=today.isoformat(), field="event_date"
        )
    code = (product_code or "").strip()
    if product is None and code:
        product = Product.objects.filter(code=code).first()
        if product is None:
            raise errors.ProductMissing(field="product")
    found = identify(
        product=product,
        udi=udi or "",
        lot_number=lot_number or "",
        serial_number=serial_number or "",
    )
    customer = _customer(customer_code)
    with transaction.atomic():
        complaint = Complaint(
            number=next_number(PREFIX),
            received_at=aware,
            received_by=actor.user if actor.kind == "user" else None,
            received_by_name=actor.name[:200],
            channel=channel,
            customer=customer,
            complainant_name=complainant_name.strip()[:200],
            complainant_address=complainant_address.strip()[:300],
            complainant_phone=complainant_phone.strip()[:50],
            product=found.product,
            udi=(udi or "").strip()[:500],
            lot=found.lot,
            serial=found.serial,
            event_date=event_date,
            event_country=(event_country or "").strip().upper()[:2],
            description=text,
            patient_involvement=patient_involvement,
        )
        complaint.save(force_insert=True)
        audit.record_create(actor, complaint)
        outbox.emit(
            actor,
            events.COMPLAINT_RECEIVED,
            aggregate_type=COMPLAINT,
            aggregate_id=complaint.pk,
            payload=received_payload(complaint),
        )
    return complaint
