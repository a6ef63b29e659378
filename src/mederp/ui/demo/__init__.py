"""The demo plant (shared/DEMO.md): 苏州示例医疗科技有限公司, loaded through the services.

Idempotent: every record is looked up by its business key first and created only when missing,
and each chapter of the history (:data:`CHAPTERS`: :mod:`.story` buys, sells and stores,
:mod:`.making` makes syringes and stents, :mod:`.quality` lives in the quality system,
:mod:`.integration` subscribes its neighbours) runs once, so running ``mederp demo`` twice
changes nothing. Validity dates count from the day of the first load, so the expired and
expiring documents bite whenever a newcomer runs it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import Signature
from mederp.ui.demo import integration, making, plant, quality, story
from mederp.ui.demo.logins import login_lines, needs_mfa
from mederp.ui.demo.plant import DEMO_PASSWORD, USERS, gtin14, uscc

__all__ = [
    "CHAPTERS",
    "DEMO_PASSWORD",
    "USERS",
    "gtin14",
    "load",
    "login_lines",
    "needs_mfa",
    "uscc",
]

COUNTS = (
    "users",
    "uoms",
    "products",
    "partners",
    "locations",
    "signatures",
    "purchase_orders",
    "sales_orders",
    "boms",
    "work_orders",
    "readings",
)

#: The history in story order: each chapter needs what the ones before it made.
CHAPTERS: tuple[Callable[[story.Plant], None], ...] = (
    story.approvals,
    story.first_purchase,
    making.components_approved,
    making.components_bought,
    making.boms_approved,
    making.syringes_made,
    making.stents_made,
    story.hospital_sale,
    making.made_syringes_sold,
    story.masks_on_order,
    story.drafts_the_gates_refuse,
    story.cold_room_readings,
    *quality.CHAPTERS,
    *integration.CHAPTERS,
)


@transaction.atomic
def load(actor: Actor | None = None, notes: list[str] | None = None) -> dict[str, int]:
    """Create whatever part of the demo plant and its history is missing; return how many
    records of each kind were added. A chapter of the history that is refused (people changed
    the master data it needs since an earlier load) is undone with the chapters after it, and
    ``notes`` says why."""
    actor = actor or Actor.system("mederp demo")
    notes = notes if notes is not None else []
    added = dict.fromkeys(COUNTS, 0)
    today = story.Plant(added).today
    plant.create_people(actor, added)
    plant.create_products(actor, today, added)
    plant.create_partners(actor, today, added)
    plant.create_warehouse(actor, added)
    at_work = story.Plant(added)
    signed_before = Signature.objects.count()
    try:
        for chapter in CHAPTERS:
            try:
                with transaction.atomic():
                    chapter(at_work)
            except DomainError as exc:
                notes.append(f"{chapter.__name__} and what follows it not loaded ({exc})")
                break
    finally:
        at_work.qa.close()
    added["signatures"] = Signature.objects.count() - signed_before
    return added
