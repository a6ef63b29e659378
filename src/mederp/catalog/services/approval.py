"""首营品种 approval: submit, approve, reject and retire a product, by electronic signature where
the workflow says so (:mod:`mederp.catalog.approval`; ES-12, 21 CFR 11.50, 11.70, 11.200).

Signed transitions re-authenticate the signer before their transaction opens, so a wrong
password, a wrong or replayed TOTP code, a locked account, an author approving their own product
or a product in the wrong state is refused with nothing written but the security-log record
(ES-13). ``around`` lets the API run the transactional step inside its idempotency guard.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from mederp.catalog import approval
from mederp.catalog.locks import lock_product
from mederp.catalog.models import ApprovalState, Product
from mederp.core import signatures, workflow
from mederp.core.actors import Actor
from mederp.core.errors import NotFound

Around = Callable[[Callable[[], Product]], Any]


def _load(product_id: int) -> Callable[[], Product]:
    def load() -> Product:
        product = Product.objects.select_related("uom").filter(pk=product_id).first()
        if product is None:
            raise NotFound(record_type="Product", record_id=product_id)
        return product

    return load


def transition_product(
    actor: Actor,
    product_id: int,
    name: str,
    *,
    reason: str = "",
    password: str | None = None,
    totp: str | None = None,
    session_key: str | None = None,
    around: Around | None = None,
) -> Any:
    """Apply workflow transition ``name`` (submit, approve, reject, obsolete) to a product.

    Returns the product, or what ``around`` returned. Signed transitions need ``password``
    (and ``totp`` when the session requires it)."""
    credentials = (
        workflow.Credentials(password=password, totp=totp, session_key=session_key)
        if password is not None
        else None
    )
    return workflow.perform(
        actor,
        name,
        load=_load(product_id),
        lock=lambda: lock_product(product_id),
        reason=reason,
        credentials=credentials,
        around=around,
    )


def submit_product(actor: Actor, product_id: int, *, reason: str = "") -> Product:
    """Send a draft product to QA for approval."""
    result: Product = transition_product(actor, product_id, approval.SUBMIT, reason=reason)
    return result


def approve_product(
    actor: Actor,
    product_id: int,
    *,
    password: str,
    totp: str | None = None,
    reason: str = "",
    session_key: str | None = None,
) -> Product:
    """Approve a product under review by signing it "approved" (11.50). The person who created
    or last changed it may not (segregation of duties)."""
    result: Product = transition_product(
        actor,
        product_id,
        approval.APPROVE,
        reason=reason,
        password=password,
        totp=totp,
        session_key=session_key,
    )
    return result


def reject_product(
    actor: Actor,
    product_id: int,
    *,
    password: str,
    reason: str,
    totp: str | None = None,
    session_key: str | None = None,
) -> Product:
    """Send a product under review back to draft, signed "rejected" with a reason."""
    result: Product = transition_product(
        actor,
        product_id,
        approval.REJECT,
        reason=reason,
        password=password,
        totp=totp,
        session_key=session_key,
    )
    return result


def obsolete_product(
    actor: Actor,
    product_id: int,
    *,
    password: str,
    reason: str,
    totp: str | None = None,
    session_key: str | None = None,
) -> Product:
    """Retire an approved product, signed "obsoleted" with a reason."""
    result: Product = transition_product(
        actor,
        product_id,
        approval.OBSOLETE,
        reason=reason,
        password=password,
        totp=totp,
        session_key=session_key,
    )
    return result


def reopen_if_changed(actor: Actor, product: Product, *, reason: str) -> bool:
    """Inside an edit's transaction (product locked): an approved product whose content no
    longer matches its approval goes back to review, with its own audit entry. The signature
    stays (append-only) and shows invalid. Returns whether it went back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reopen_if_changed() runs inside the edit's transaction")
    if product.approval_state != ApprovalState.APPROVED:
        return False
    if signatures.latest_valid(product, "approved"):
        return False
    workflow.transition(actor, product, approval.REOPEN, reason=reason)
    return True
