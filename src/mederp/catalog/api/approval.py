"""首营品种 approval endpoints: the product workflow's transitions (ES-11, ES-12).

Signed transitions take the signer's credentials (``SignIn``), never a signature id (ES-04).
A Bearer API key is refused 403 ``identity.not_a_person`` (ES-11). The idempotency guard runs
*inside* the re-authentication, so a refused password leaves its security-log record; the
fingerprint holds the transition and the reason, never a secret.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from mederp.catalog import approval, services
from mederp.catalog.api.common import router
from mederp.catalog.api.products import ProductDetailOut, _product, product_body
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.errors import Conflict
from mederp.core.idempotency import answered, run_idempotent, session_key
from mederp.core.schemas import ERRORS, SignIn, TransitionIn


def _already_answered() -> tuple[int, Any]:
    # Only reached if the stored response was purged in between: ask the client to retry.
    raise Conflict()


Guard = Callable[[dict[str, Any], Callable[[], tuple[int, Any]]], Any]


def _transition(
    request: HttpRequest,
    product_id: int,
    name: str,
    payload: SignIn | TransitionIn,
    guard: Guard,
) -> Any:
    """Re-authenticate (signed steps), then run the step inside the handler's idempotency
    ``guard``; a retry with the same key replays the first answer without signing again."""
    reason = payload.reason
    fingerprint = {"transition": name, "reason": reason}
    if answered(request):
        return guard(fingerprint, _already_answered)

    def guarded(work: Any) -> Any:
        def execute() -> tuple[int, Any]:
            product = work()
            return 200, product_body(_product(product.pk), detail=True)

        return guard(fingerprint, execute)

    return services.transition_product(
        Actor.from_request(request),
        product_id,
        name,
        reason=reason,
        password=getattr(payload, "password", None),
        totp=getattr(payload, "totp", None),
        session_key=session_key(request),
        around=guarded,
    )


@router.post("/products/{product_id}/submit", response={200: ProductDetailOut, **ERRORS})
@require_perm("catalog.change_product")
def submit_product(request: HttpRequest, product_id: int, payload: TransitionIn) -> Any:
    """Send a draft product to QA for approval."""
    return _transition(
        request, product_id, approval.SUBMIT, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/products/{product_id}/approve", response={200: ProductDetailOut, **ERRORS})
@require_perm("catalog.approve_product")
def approve_product(request: HttpRequest, product_id: int, payload: SignIn) -> Any:
    """Approve a product under review with an electronic signature (meaning "approved"). The
    person who created or last changed it may not (403 ``signatures.sod_author_cannot_approve``)."""
    return _transition(
        request, product_id, approval.APPROVE, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/products/{product_id}/reject", response={200: ProductDetailOut, **ERRORS})
@require_perm("catalog.approve_product")
def reject_product(request: HttpRequest, product_id: int, payload: SignIn) -> Any:
    """Send a product under review back to draft, signed "rejected"; ``reason`` is required."""
    return _transition(
        request, product_id, approval.REJECT, payload, lambda b, e: run_idempotent(request, b, e)
    )


@router.post("/products/{product_id}/obsolete", response={200: ProductDetailOut, **ERRORS})
@require_perm("catalog.approve_product")
def obsolete_product(request: HttpRequest, product_id: int, payload: SignIn) -> Any:
    """Retire an approved product, signed "obsoleted"; ``reason`` is required."""
    return _transition(
        request, product_id, approval.OBSOLETE, payload, lambda b, e: run_idempotent(request, b, e)
    )
