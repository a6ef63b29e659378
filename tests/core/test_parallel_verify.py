"""Verifying a long chain in several processes finds exactly what one process finds (AT-07).

On PostgreSQL a long chain is split by position over worker processes that share one exported
snapshot; each link is judged against the links before it, which a worker re-reads at its
boundary. These tests force the split on a short chain and compare it with the serial walk,
with tampering placed on and around the boundaries.
"""

from __future__ import annotations

import pytest
from kernel_support import drop_triggers, install_triggers, on_postgres, sealed_chain, sql

from mederp.core import chain

pytestmark = [
    on_postgres,
    pytest.mark.django_db(transaction=True),
]

# 12 links over 3 workers: segments are positions 1-4, 5-8 and 9-12.
TAMPERING = {
    "intact": [],
    "entry altered at a segment's last position": [
        "UPDATE core_auditentry SET reason = 'x' WHERE id = {ids[3]}"
    ],
    "entry altered at a segment's first position": [
        "UPDATE core_auditentry SET reason = 'x' WHERE id = {ids[4]}"
    ],
    "link hash altered just before a boundary": [
        "UPDATE core_auditchainlink SET hash = repeat('f', 64) WHERE seq = 4"
    ],
    "link removed at a boundary": ["DELETE FROM core_auditchainlink WHERE seq = 5"],
    "entry removed at a boundary": ["DELETE FROM core_auditentry WHERE id = {ids[8]}"],
    "links swapped across a boundary": [
        "UPDATE core_auditchainlink SET seq = -1 WHERE seq = 4",
        "UPDATE core_auditchainlink SET seq = 4 WHERE seq = 5",
        "UPDATE core_auditchainlink SET seq = 5 WHERE seq = -1",
    ],
    "back-pointer altered at a segment's first position": [
        "UPDATE core_auditchainlink SET prev_hash = repeat('e', 64) WHERE seq = 9"
    ],
    "several problems": [
        "UPDATE core_auditentry SET reason = 'x' WHERE id = {ids[1]}",
        "DELETE FROM core_auditchainlink WHERE seq = 7",
        "UPDATE core_auditchainlink SET hash = repeat('f', 64) WHERE seq = 12",
    ],
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_a_split_walk_reports_exactly_what_the_serial_walk_reports(system, monkeypatch, case):
    ids = sealed_chain(system, 12)
    drop_triggers()
    try:
        for statement in TAMPERING[case]:
            sql(statement.format(ids=ids))
    finally:
        install_triggers()
    monkeypatch.setattr(chain, "PARALLEL_MIN_LINKS", 0)
    serial = chain.verify(workers=1).as_dict()
    split = chain.verify(workers=3).as_dict()
    assert split == serial
    assert serial["ok"] is (case == "intact")
    assert serial["entries_checked"] == 12 - (case in ("link removed at a boundary",)) - (
        case == "several problems"
    )
