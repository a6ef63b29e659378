"""The documents ``bench ledger`` measures: GSP receipts (procurement) and FEFO allocation (sales).

A receipt is ``procurement.services.record_receipt``: one lot-tracked line against an approved
purchase order — the order and its line locked, the supplier, licence, product and certificate
gates judged again, the receipt and its line with the acceptance fields, the lot, the move into
quarantine, the balance, the order line's quantities, audit entries and events, one
transaction. An allocation is ``sales.services.allocate_order`` of a confirmed one-line order:
FEFO read, candidate balances locked, reservation, allocation row, order state, audit, events.

What they need is made here through the real services: people with verified identities and
TOTP devices, a qualified supplier and customer, approved products with registration
certificates, approved purchase orders (one per client, so clients never wait on one order's
lock), confirmed sales orders. Approvals are real signatures; the setup signs on a clock frozen
in the recent past and stepped 31 s per signature (a TOTP code is accepted once per step).

The business apps sit above inventory; the benchmark is the one inventory module allowed to
call them (declared in .importlinter, like the audit benchmark's call into catalog).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp

from mederp.catalog import services as catalog
from mederp.core import clock
from mederp.core.actors import Actor
from mederp.identity import crypto
from mederp.identity.models import TotpDevice, User
from mederp.identity.roles import sync_roles
from mederp.partners import services as partners
from mederp.partners.rules import uscc_check_character
from mederp.procurement import services as procurement
from mederp.sales import services as sales

PASSWORD = "Bench-Password-9"  # noqa: S105 - a throwaway user in a scratch database
CATEGORY = "14-02"


class _Signer:
    """A person who signs on the setup's stepped clock."""

    def __init__(self, user: User, secret: str) -> None:
        self.user, self.secret = user, secret
        self.actor = Actor.for_user(user)

    def sign(self) -> dict[str, str]:
        clock._frozen = clock.now() + dt.timedelta(seconds=31)  # a new TOTP step
        return {"password": PASSWORD, "totp": pyotp.TOTP(self.secret).at(clock.now())}


def _person(username: str, role: str) -> _Signer:
    from django.contrib.auth.models import Group

    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        printed_name=f"{username} 基准",
        identity_verified_at=clock.now(),
        identity_document="benchmark: scratch database",
    )
    user.groups.set(Group.objects.filter(name=role))
    secret = pyotp.random_base32()
    TotpDevice.objects.create(
        user=user,
        secret_ciphertext=crypto.encrypt(secret),
        created_at=clock.now(),
        confirmed_at=clock.now(),
    )
    return _Signer(User.objects.get(pk=user.pk), secret)


def _partner(system: Actor, qa: _Signer, n: int, *, supplier: bool) -> int:
    body = f"91320505MA{n:07d}"
    partner = partners.create_partner(
        system,
        code=f"BENCH-{'SUP' if supplier else 'CUS'}",
        name="苏州示例医疗器械经营有限公司" if supplier else "上海示例医院",
        is_supplier=supplier,
        is_customer=not supplier,
        uscc=body + uscc_check_character(body),
        address="江苏省苏州市工业园区示例路 1 号",
        contact="王工",
        phone="0512-0000000",
    )
    partners.add_document(
        system,
        partner.pk,
        kind="distribution_licence",
        number=f"苏苏药监械经营许2020{n:04d}号",
        valid_from=dt.date(2020, 1, 1),
        valid_until=clock.today() + dt.timedelta(days=3 * 365),
        scope=["14"],
    )
    partners.submit_partner(system, partner.pk)
    partners.approve_partner(qa.actor, partner.pk, **qa.sign())
    return int(partner.pk)


def _approve_product(system: Actor, qa: _Signer, product_id: int, n: int) -> None:
    catalog.add_registration(
        system,
        product_id,
        jurisdiction="CN",
        kind="registration",
        number=f"苏械注准2024214{n:04d}",
        valid_from=dt.date(2024, 1, 1),
        valid_until=clock.today() + dt.timedelta(days=3 * 365),
        holder="苏州示例医疗科技有限公司",
    )
    catalog.submit_product(system, product_id)
    catalog.approve_product(qa.actor, product_id, **qa.sign())


def prepare(ids: dict[str, Any], clients: int, sold: int) -> dict[str, Any]:
    """People, partners, approvals, one approved purchase order per client (a line per receipt
    product) and the ids the clients need. ``sold``: how many history products are approved
    for sale (allocations sample from them)."""
    system = Actor.system("bench")
    sync_roles()
    start = clock.now() - dt.timedelta(hours=3)
    with clock.frozen(start):
        buyer = _person("buyer", "purchasing")
        qa = _person("qa", "qa_manager")
        inspector = _person("inspector", "qc_inspector")
        seller = _person("seller", "sales")
        picker = _person("picker", "warehouse")
        supplier = _partner(system, qa, 1, supplier=True)
        customer = _partner(system, qa, 2, supplier=False)
        approved = ids["receipt_products"] + ids["history_products"][:sold]
        for n, product_id in enumerate(approved):
            _approve_product(system, qa, product_id, n)
        orders = []
        for _ in range(clients):
            order = procurement.create_order(
                buyer.actor,
                supplier=supplier,
                lines=[
                    {"product": p, "quantity": "100000000", "unit_price": "1.50"}
                    for p in ids["receipt_products"]
                ],
            )
            procurement.submit_order(buyer.actor, order.pk)
            procurement.approve_order(qa.actor, order.pk, **qa.sign())
            orders.append(list(order.lines.order_by("line_no").values_list("pk", flat=True)))
    return {
        "inspector": inspector.user.pk,
        "seller": seller.user.pk,
        "picker": picker.user.pk,
        "customer_partner": customer,
        "supplier_partner": supplier,
        "order_lines": orders,
        "sold_products": ids["history_products"][:sold],
    }


def receive(
    inspector: Actor, po_line: int, lot: str, expiry: dt.date, quarantine: int
) -> Any:  # fmt: skip
    """One GSP receipt of 100 units of a new lot, all accepted into quarantine."""
    return procurement.record_receipt(
        inspector,
        po_line,
        quantity="100",
        lot=lot,
        expiry_date=expiry,
        location=quarantine,
    )


def confirmed_orders(seller: Actor, customer: int, products: list[int]) -> list[int]:
    """One confirmed one-line order (2 units) per product in ``products``."""
    made = []
    for product in products:
        order = sales.create_order(
            seller,
            customer=customer,
            lines=[{"product": product, "quantity": "2", "unit_price": "12.50"}],
        )
        made.append(int(sales.confirm_order(seller, order.pk).pk))
    return made


def allocate(picker: Actor, order: int) -> None:
    sales.allocate_order(picker, order)


def actor_of(user_id: int) -> Actor:
    return Actor.for_user(User.objects.get(pk=user_id))
