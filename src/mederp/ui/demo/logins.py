"""What ``mederp demo --logins`` prints: the demo users, who uses an authenticator, and qa's
authenticator key (the demo enrolled it) as text, an otpauth URI and a terminal QR code."""

from __future__ import annotations

import io

import segno

from mederp.identity import credentials, mfa
from mederp.identity.models import User
from mederp.identity.policy import setting
from mederp.ui.demo.plant import DEMO_PASSWORD, USERS

AUTHENTICATOR_APPS = "FreeOTP, Google or Microsoft Authenticator"


def needs_mfa(username: str, role: str) -> bool:
    """Whether this demo user signs in with an authenticator code (AC-04): the roles the policy
    names, and anyone allowed to sign."""
    user = User.objects.filter(username=username).first()
    if user is None:
        return role in setting("MFA_REQUIRED_ROLES")
    return credentials.mfa_required(user)


def otpauth_uri(user: User) -> str | None:
    """The otpauth URI of ``user``'s confirmed authenticator, or None."""
    device = credentials.confirmed_device(user)
    if device is None:
        return None
    return mfa.provisioning_uri(user, mfa.PendingSeed(device.secret_ciphertext, replacing=False))


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _qr(uri: str) -> list[str]:
    out = io.StringIO()
    segno.make(uri, error="m").terminal(out=out, compact=True)
    return out.getvalue().rstrip("\n").split("\n")


def login_lines() -> list[str]:
    """The demo logins as ``mederp demo --logins`` prints them."""
    lines = [f"\nMedERP demo — http://127.0.0.1:8000  (password for every user: {DEMO_PASSWORD})"]
    enrols, enrolled = [], []
    for username, printed, role in USERS:
        user = User.objects.filter(username=username).first()
        mark = ""
        if user is not None and credentials.has_mfa(user):
            mark = "  **"
            enrolled.append(user)
        elif needs_mfa(username, role):
            mark = "  *"
            enrols.append(username)
        lines.append(f"  {username:<8} {role:<18} {printed}{mark}")
    if enrols:
        lines.append(
            f"  * {', '.join(enrols)}: two-factor authentication (TOTP). At the first sign-in, "
            "scan the QR code with an authenticator app and keep the recovery codes."
        )
    for user in enrolled:
        uri = otpauth_uri(user)
        device = credentials.confirmed_device(user)
        if uri is None or device is None:
            continue
        secret = mfa.PendingSeed(device.secret_ciphertext, replacing=False).secret
        lines += [
            f"  ** {user.username}: two-factor authentication (TOTP), already set up by the demo. "
            f"Add this key to an authenticator app ({AUTHENTICATOR_APPS}), or scan the QR code:",
            f"     key: {_grouped(secret)}",
            f"     {uri}",
            *(f"     {row}" for row in _qr(uri)),
        ]
    lines += history_lines()
    lines.append("")
    return lines


def history_lines() -> list[str]:
    """What the demo's history left, and what waits for the person trying it."""
    from mederp.catalog.models import ApprovalState, Product
    from mederp.inventory.models import Lot, StockStatus
    from mederp.procurement.models import OrderState, PurchaseOrder
    from mederp.production.models import WorkOrder, WorkOrderState
    from mederp.sales.models import OrderStatus, SalesOrder
    from mederp.ui.demo import making, story

    lines = []
    waiting = list(
        Product.objects.filter(approval_state=ApprovalState.IN_REVIEW).values_list(
            "code", flat=True
        )
    )
    if waiting:
        lines.append(
            f"  Waiting in review (首营品种): {', '.join(waiting)}; qa approves each by electronic "
            "signature."
        )
    sold = SalesOrder.objects.filter(
        customer_reference=story.SO_HOSPITAL, status=OrderStatus.SHIPPED
    ).first()
    if sold is not None:
        lines.append(
            "  History: qa approved the products and partners (首营) by signature; stock was "
            f"bought, received by scan, released and sold ({sold.number}, shipped to "
            f"{sold.customer.name})."
        )
    made = WorkOrder.objects.filter(
        output_lot_number=making.SYRINGE_LOT, state=WorkOrderState.CLOSED
    ).first()
    if made is not None:
        lines.append(
            f"  Made in-house: {made.number}, syringes lot {making.SYRINGE_LOT} from needle lot "
            f"{making.NEEDLE_LOT}, closed by qa's signature; try "
            f"`mederp trace forward {making.NEEDLE_LOT}`."
        )
    for wo in WorkOrder.objects.filter(state=WorkOrderState.COMPLETED).select_related("product"):
        lines.append(
            f"  Work order {wo.number} ({wo.product.code}) is completed: qa reviews its "
            "device history record and closes it by signature."
        )
    for lot in Lot.objects.filter(status=StockStatus.QUARANTINE).select_related("product"):
        lines.append(f"  Lot {lot.number} ({lot.product.code}) waits in quarantine for QA release.")
    for order in PurchaseOrder.objects.filter(notes=story.PO_REFUSED, state=OrderState.DRAFT):
        lines.append(f"  Draft {order.number} ({order.supplier.name}): try to submit it.")
    for so in SalesOrder.objects.filter(
        customer_reference=story.SO_REFUSED, status=OrderStatus.DRAFT
    ):
        lines.append(f"  Draft {so.number} ({so.customer.name}): try to confirm it.")
    return lines
