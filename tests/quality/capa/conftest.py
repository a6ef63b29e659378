"""What the CAPA tests share: QA people who sign (password and TOTP), an owner, a frozen
clock, and helpers that walk a CAPA along its life (QE-07)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from mederp.core import workflow
from mederp.core.actors import Actor
from mederp.identity.models import User
from mederp.quality.capa import services
from mederp.quality.capa.models import Capa, CapaAction, CapaLink
from tests.signing_support import PASSWORD, code, enrol_totp, frozen_clock, later

#: What a refused CAPA request must leave alone (with the kernel tables).
TABLES = (Capa, CapaAction, CapaLink)

TODAY = dt.date(2026, 6, 15)  # the frozen business date (tests.signing_support.START)


def person(make_user: Callable[..., User], username: str, *roles: str) -> User:
    user = make_user(username, *roles, printed_name=f"{username} 签名人")
    user.secret = enrol_totp(user)  # type: ignore[attr-defined]
    return user


def credentials(user: User) -> workflow.Credentials:
    """A fresh signature by ``user`` now (a new TOTP step each time)."""
    later()
    return workflow.Credentials(password=PASSWORD, totp=code(user.secret))  # type: ignore[attr-defined]


def sign_body(user: User) -> dict[str, Any]:
    later()
    return {"password": PASSWORD, "totp": code(user.secret)}  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def clock_frozen() -> Iterator[None]:
    with frozen_clock():
        yield


@dataclass
class Desk:
    """QA's CAPA desk: ``qa`` opens, checks and closes; ``owner`` (production) does actions."""

    qa: User
    owner: User

    @property
    def actor(self) -> Actor:
        return Actor.for_user(self.qa)

    def open(self, **kw: Any) -> Capa:
        kw.setdefault("title", "Seal failures on syringe lots")
        kw.setdefault("problem", "Three lots failed the seal test at final inspection.")
        kw.setdefault("links", [])
        kw.setdefault("effectiveness_criteria", "No seal failure in the next 10 lots")
        return services.open_capa(self.actor, **kw)

    def investigated(self, **kw: Any) -> Capa:
        capa = self.open(**kw)
        return services.record_root_cause(
            self.actor, capa.pk, root_cause="Worn sealing die", method="5why"
        )

    def action(self, capa: Capa, **kw: Any) -> CapaAction:
        kw.setdefault("description", "Replace the sealing die and add it to PM")
        kw.setdefault("owner", self.owner)
        kw.setdefault("due_date", TODAY + dt.timedelta(days=20))
        return services.add_action(self.actor, capa.pk, **kw)

    def verifying(self) -> Capa:
        capa = self.investigated()
        action = self.action(capa)
        services.complete_action(self.actor, capa.pk, action.pk, evidence="PM record PM-88")
        return services.start_verification(self.actor, capa.pk)

    def effective(self) -> Capa:
        capa = self.verifying()
        return services.check_effectiveness(
            self.actor, capa.pk, result="effective", evidence="10 lots, no seal failure"
        )

    def close(self, capa: Capa, by: User | None = None, **kw: Any) -> Capa:
        user = by or self.qa
        services.close_capa(Actor.for_user(user), capa.pk, credentials=credentials(user), **kw)
        return Capa.objects.get(pk=capa.pk)


@pytest.fixture
def desk(make_user: Callable[..., User]) -> Desk:
    return Desk(
        qa=person(make_user, "qa1", "qa_manager"),
        owner=make_user("prod1", "production"),
    )
