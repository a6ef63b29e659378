"""The mock recall (RC-07): the same hold-and-list path as opening a recall, timed, rolled back;
and ``mederp recall drill`` on the command line."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from tests.compliance import recall_support
from tests.compliance.recall_support import TABLES, lot

from mederp.compliance import services
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import DocumentCounter, Signature

pytestmark = pytest.mark.django_db

clock_frozen = recall_support.clock_frozen
world = recall_support.world
make_product = recall_support.make_product
make_customer = recall_support.make_customer
put_stock = recall_support.put_stock
make_order = recall_support.make_order
confirmed = recall_support.confirmed
allocated = recall_support.allocated
picked = recall_support.picked
reviewed = recall_support.reviewed
shipped = recall_support.shipped
desk = recall_support.desk
ship = recall_support.ship


@pytest.fixture
def shipped_twice(desk, ship, make_customer):
    other, _licence = make_customer(desk.world.qa)
    ship("L-BAD", "4")
    ship("L-BAD", "3", customer=other)
    return lot("L-BAD")


def test_a_drill_reports_the_figures_and_writes_nothing(desk, shipped_twice, unchanged):
    with unchanged(*TABLES, DocumentCounter, Signature):
        result = services.drill_recall(Actor.for_user(desk.opener), [("lot", shipped_twice.pk)])
    assert (result.affected, result.lots, result.serials) == (1, 1, 0)
    assert (result.lines, result.consignees) == (2, 2)
    assert (result.on_hand, result.shipped) == ("3", "7")
    assert 0 < result.seconds < 60
    assert lot("L-BAD").status == "released"
    # Nothing was numbered either: the first real recall is still number one.
    assert desk.open("L-BAD").number == "RC-2026-00001"


def test_a_drill_needs_the_permission_to_open_recalls(desk, shipped_twice):
    with pytest.raises(DomainError) as refused:
        services.drill_recall(Actor.for_user(desk.world.seller), [("lot", shipped_twice.pk)])
    assert refused.value.code == "permission_denied"


def test_a_drill_of_an_unknown_node_is_refused(desk):
    with pytest.raises(DomainError) as refused:
        services.drill_recall(Actor.for_user(desk.opener), [("lot", 999_999)])
    assert refused.value.code == "compliance.unknown_lot"


def test_the_cli_prints_one_json_object(shipped_twice, unchanged):
    out = StringIO()
    with unchanged(*TABLES, DocumentCounter):
        call_command("recall", "drill", "L-BAD", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["lot"] == "L-BAD"
    assert (body["affected"], body["lines"], body["consignees"]) == (1, 2, 2)
    assert body["seconds"] > 0 and body["database"] in {"sqlite", "postgresql"}


def test_the_cli_prints_the_time_lots_and_lines(shipped_twice):
    out = StringIO()
    call_command("recall", "drill", "L-BAD", stdout=out)
    text = out.getvalue()
    assert "L-BAD" in text and " s" in text
    assert "2" in text.splitlines()[-1]


def test_the_cli_exits_1_on_an_unknown_lot(desk):
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("recall", "drill", "NOPE", "--json", stdout=out, stderr=err)
    assert exited.value.code == 1
    assert json.loads(out.getvalue())["error"]["code"] == "compliance.unknown_lot"
