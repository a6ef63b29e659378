"""The sealer chains committed entries exactly once, in commit order (invariant 2; AT-07; ADR 0001).

Writers never wait for the chain: they append entries freely and a sealer links them afterwards.
The PostgreSQL tests use real concurrent transactions (threads, one connection each).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections import defaultdict

import pytest
from django.db import connection, transaction
from kernel_support import on_postgres, sealed_chain

from mederp.catalog import services
from mederp.core import chain, clock
from mederp.core.models import AuditChainLink, AuditEntry


def entry_of(uom):
    return AuditEntry.objects.get(record_type="catalog.unitofmeasure", record_id=str(uom.pk)).id


def chain_entry_ids():
    return list(AuditChainLink.objects.order_by("seq").values_list("entry_id", flat=True))


@pytest.mark.django_db
def test_sealing_twice_adds_nothing_new(system):
    ids = sealed_chain(system, 4)
    head = chain.chain_head()
    assert chain.seal() == 0 and chain.seal(sweep=True) == 0
    assert chain.chain_head() == head and chain_entry_ids() == ids


@pytest.mark.django_db
def test_links_are_gap_free_from_1_and_each_points_at_the_one_before(system):
    sealed_chain(system, 6)
    links = list(AuditChainLink.objects.order_by("seq"))
    assert [link.seq for link in links] == [1, 2, 3, 4, 5, 6]
    assert links[0].prev_hash == chain.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(links))


@pytest.mark.django_db
def test_small_batches_chain_the_same_way_as_one_big_batch(system):
    for i in range(7):
        services.create_uom(system, code=f"U{i}", name_zh="单位", name_en="unit")
    assert chain.seal(batch_size=3, max_batches=1) == 3
    assert chain.seal(batch_size=3) == 4
    assert chain.verify().ok and chain_entry_ids() == sorted(chain_entry_ids())


@pytest.mark.django_db
def test_sealed_at_comes_from_the_server_clock(system):
    services.create_uom(system, code="EA", name_zh="个", name_en="each")
    at = clock.now().replace(microsecond=0)
    with clock.frozen(at):
        chain.seal()
    assert AuditChainLink.objects.get().sealed_at == at


@pytest.mark.django_db
def test_an_entry_older_than_the_lookback_is_still_swept_before_verify(system, settings):
    """An entry from a long transaction, committed after later entries were sealed long ago."""
    settings.MEDERP_AUDIT_SEAL_LOOKBACK_SECONDS = 60
    early = clock.now() - dt_minutes(30)
    with clock.frozen(early):
        late = AuditEntry.objects.create(
            occurred_at=early, actor_kind="user", actor_id=1, actor_name="slow", action="update",
            record_type="test.slow", record_id="1", changes="{}", reason="slow",
        )  # fmt: skip
    # Pretend a later entry was sealed 20 minutes ago, while `late` was still uncommitted.
    with clock.frozen(early + dt_minutes(10)):
        later = services.create_uom(system, code="EA", name_zh="个", name_en="each")
        AuditChainLink.objects.create(
            seq=1, entry_id=entry_of(later), prev_hash=chain.GENESIS,
            hash=chain.link_hash(chain.GENESIS, row_of(entry_of(later))), sealed_at=clock.now(),
        )  # fmt: skip
    assert chain.seal(sweep=False) == 0  # beyond the short lookback
    assert chain.seal(sweep=True) == 1  # within the transaction limit
    assert chain_entry_ids() == [entry_of(later), late.id]
    assert chain.verify().ok


def dt_minutes(n):
    return dt.timedelta(minutes=n)


def row_of(entry_id):
    return AuditEntry.objects.filter(id=entry_id).values_list(*chain.ENTRY_COLUMNS).get()


def in_thread(target, errors):
    def run(*args):
        try:
            target(*args)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    return run


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_an_entry_committed_after_a_later_one_was_sealed_is_still_sealed(system):
    holding, release, errors, slow = threading.Event(), threading.Event(), [], {}

    def slow_writer():
        with transaction.atomic():
            slow["entry"] = entry_of(
                services.create_uom(system, code="SLOW", name_zh="慢", name_en="slow")
            )
            holding.set()
            assert release.wait(20)

    thread = threading.Thread(target=in_thread(slow_writer, errors))
    thread.start()
    assert holding.wait(20)
    fast = entry_of(services.create_uom(system, code="FAST", name_zh="快", name_en="fast"))
    assert fast > slow["entry"]  # the id was taken first, the commit comes last
    assert chain.seal() == 1 and chain_entry_ids() == [fast]
    release.set()
    thread.join(20)
    assert not errors
    assert chain.seal() == 1
    assert chain_entry_ids() == [fast, slow["entry"]]  # commit order, not id order
    assert chain.seal() == 0
    assert chain.verify().ok


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_chain_every_entry_exactly_once_in_commit_order(system):
    writers, per_writer, sealers = 4, 12, 2
    stop, errors = threading.Event(), []
    committed = defaultdict(list)

    def write(w):
        for i in range(per_writer):
            uom = services.create_uom(system, code=f"W{w}-{i}", name_zh="单位", name_en="unit")
            committed[w].append(entry_of(uom))

    def seal_until_stopped():
        while not stop.is_set():
            chain.seal(batch_size=5)

    threads = [threading.Thread(target=in_thread(write, errors), args=(w,)) for w in range(writers)]
    threads += [
        threading.Thread(target=in_thread(seal_until_stopped, errors)) for _ in range(sealers)
    ]
    for t in threads:
        t.start()
    for t in threads[:writers]:
        t.join(60)
    stop.set()
    for t in threads[writers:]:
        t.join(60)
    assert not errors, errors
    chain.seal()

    order = chain_entry_ids()
    assert len(order) == len(set(order)) == writers * per_writer == AuditEntry.objects.count()
    assert list(AuditChainLink.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, writers * per_writer + 1)
    )
    position = {entry: i for i, entry in enumerate(order)}
    for w in range(writers):  # each writer committed one after another: chained in that order
        assert [position[e] for e in committed[w]] == sorted(position[e] for e in committed[w])
    report = chain.verify()
    assert report.ok and report.unsealed_entries == 0
    assert chain.seal() == 0
