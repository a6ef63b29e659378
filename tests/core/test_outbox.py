"""Domain events are written with the change and read back in order (invariant 3).

Each event carries a UUID for consumers to dedupe and a gap-free sequence per aggregate, so a
relay can deliver at least once and in order per aggregate.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from kernel_support import on_postgres

from mederp.catalog import services
from mederp.core.models import OutboxEvent

pytestmark = pytest.mark.django_db


class Crash(Exception):
    pass


def events_of(uom):
    return OutboxEvent.objects.filter(
        aggregate_type="catalog.unitofmeasure", aggregate_id=str(uom.pk)
    ).order_by("id")


def test_each_aggregate_counts_its_own_events_from_1(system):
    box = services.create_uom(system, code="BOX", name_zh="盒", name_en="box")
    each = services.create_uom(system, code="EA", name_zh="个", name_en="each")
    services.change_uom(system, box.pk, reason="rename", name_en="Box")
    services.change_uom(system, box.pk, reason="rename", name_en="Carton")
    assert [e.aggregate_seq for e in events_of(box)] == [1, 2, 3]
    assert [e.aggregate_seq for e in events_of(each)] == [1]
    assert [e.event_type for e in events_of(box)] == [
        "catalog.uom.created",
        "catalog.uom.changed",
        "catalog.uom.changed",
    ]


def test_every_event_has_its_own_uuid(system):
    box = services.create_uom(system, code="BOX", name_zh="盒", name_en="box")
    for name in ("a", "b", "c"):
        services.change_uom(system, box.pk, reason="rename", name_en=name)
    ids = [e.event_id for e in OutboxEvent.objects.all()]
    assert len(ids) == len(set(ids)) == 4
    assert all(isinstance(i, uuid.UUID) and i.version == 4 for i in ids)


def test_events_roll_back_with_the_business_rows_and_leave_no_gap(system):
    box = services.create_uom(system, code="BOX", name_zh="盒", name_en="box")
    with pytest.raises(Crash), transaction.atomic():
        services.change_uom(system, box.pk, reason="rename", name_en="Box")
        raise Crash
    box.refresh_from_db()
    assert box.name_en == "box" and [e.aggregate_seq for e in events_of(box)] == [1]
    services.change_uom(system, box.pk, reason="rename", name_en="Box")
    assert [e.aggregate_seq for e in events_of(box)] == [1, 2]


def test_a_duplicate_sequence_number_is_an_error_not_a_silent_gap(system):
    box = services.create_uom(system, code="BOX", name_zh="盒", name_en="box")
    first = events_of(box).get()
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxEvent.objects.create(
            event_type="catalog.uom.changed", aggregate_type=first.aggregate_type,
            aggregate_id=first.aggregate_id, aggregate_seq=1, payload={},
            occurred_at=first.occurred_at,
        )  # fmt: skip


def test_event_payloads_are_json_with_chinese_kept(system):
    box = services.create_uom(system, code="BOX", name_zh="盒", name_en="box")
    assert events_of(box).get().payload["name_zh"] == "盒"


def page(client, after, limit=2, **extra):
    r = client.get("/api/v1/core/events", {"after": after, "limit": limit, **extra})
    assert r.status_code == 200, r.content
    return r.json()


def test_events_api_pages_in_order_with_a_cursor(api, system):
    box = services.create_uom(system, code="BOX", name_zh="盒", name_en="box")
    for name in ("a", "b", "c", "d"):
        services.change_uom(system, box.pk, reason="rename", name_en=name)
    seen, cursor, pages = [], 0, 0
    while True:
        body = page(api, cursor)
        if not body["events"]:
            assert body["next_cursor"] == cursor  # an empty page keeps the cursor
            break
        seen += body["events"]
        assert body["next_cursor"] == body["events"][-1]["cursor"]
        cursor, pages = body["next_cursor"], pages + 1
    assert pages == 3
    assert [e["aggregate_seq"] for e in seen] == [1, 2, 3, 4, 5]
    assert [e["cursor"] for e in seen] == sorted(e["cursor"] for e in seen)
    assert {e["event_id"] for e in seen} == {str(e.event_id) for e in OutboxEvent.objects.all()}
    assert seen[-1]["payload"]["name_en"] == "d" and seen[-1]["payload"]["changed"] == [
        "name_en",
        "version",
    ]


def test_events_api_filters_by_type_and_clamps_bad_paging(api, system):
    box = services.create_uom(system, code="BOX", name_zh="盒", name_en="box")
    services.change_uom(system, box.pk, reason="rename", name_en="Box")
    changed = page(api, 0, limit=10, event_type="catalog.uom.changed")["events"]
    assert [e["event_type"] for e in changed] == ["catalog.uom.changed"]
    assert len(page(api, -5, limit=0)["events"]) == 1  # after<0 -> 0, limit<1 -> 1


def test_events_api_needs_the_view_permission(api_as, system):
    services.create_uom(system, code="BOX", name_zh="盒", name_en="box")
    r = api_as("qc_inspector").get("/api/v1/core/events")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_consumer_paging_by_cursor_sees_an_event_that_commits_late(api, system):
    """Invariant 3: delivered at least once. Two real transactions on PostgreSQL."""
    box = services.create_uom(system, code="BOX", name_zh="盒", name_en="box")
    each = services.create_uom(system, code="EA", name_zh="个", name_en="each")
    holding, release, errors = threading.Event(), threading.Event(), []

    def slow_change():
        try:
            with transaction.atomic():
                services.change_uom(system, box.pk, reason="slow", name_en="Box")
                holding.set()
                assert release.wait(20)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_change)
    thread.start()
    assert holding.wait(20)
    services.change_uom(system, each.pk, reason="fast", name_en="Each")  # later id, commits first
    seen = page(api, 0, limit=100)
    release.set()
    thread.join(20)
    assert not errors
    seen_after = page(api, seen["next_cursor"], limit=100)
    delivered = [e["payload"]["name_en"] for e in seen["events"] + seen_after["events"]]
    assert "Box" in delivered
