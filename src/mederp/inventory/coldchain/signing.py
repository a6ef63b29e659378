"""What QA signs in the cold chain (21 CFR 11.50, 11.70; CN-14): closing an excursion, with the
assessment as the reason. The signed content is the excursion's facts (where, from which
reading to which, the extremes), so a signature shows invalid if they were ever altered."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core import canonical, signatures
from mederp.inventory.models import Excursion

EXCURSION = "inventory.excursion"
CLOSE_PERMISSION = "inventory.close_excursion"
CLOSED = "closed"


def excursion_content(excursion: models.Model) -> dict[str, Any]:
    assert isinstance(excursion, Excursion)
    return canonical.snapshot(
        excursion,
        fields=[
            "location",
            "opened_at",
            "first_reading",
            "last_reading",
            "min_celsius",
            "max_celsius",
        ],
    )


EXCURSION_POLICY = signatures.SigningPolicy(
    record_type=EXCURSION,
    meanings={CLOSED: CLOSE_PERMISSION},
    content=excursion_content,
    # Closing states QA's assessment of the excursion: it must be written down.
    reasons=signatures.REASON_MEANINGS | {CLOSED},
    description=_(
        "QA closes a temperature excursion after every affected stock was released or rejected."
    ),
)


def register() -> None:
    signatures.register(EXCURSION_POLICY)
