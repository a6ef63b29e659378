"""Tampering with the audit trail is detected and located (invariant 2; AT-07; 21 CFR 11.10(a)).

Each test plays a DBA who drops the append-only triggers and edits the tables with raw SQL, then
proves that both ``chain.verify()`` and ``mederp audit verify --json`` (exit code 1) catch it and
name the first bad entry. A whole-chain rewrite is consistent by construction; only a signed
checkpoint taken before it exposes it. The ``dba`` fixture restores the triggers afterwards.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from kernel_support import sealed_chain

from mederp.catalog import services
from mederp.core import chain, checkpoint, clock
from mederp.core.models import AuditChainLink, AuditEntry

pytestmark = pytest.mark.django_db

ANY = object()


@pytest.fixture
def ids(system):
    """Five sealed entries, ids in chain order (positions 1..5)."""
    return sealed_chain(system, 5)


def first_problem(report):
    assert not report.ok, "verify passed a tampered chain"
    return report.first_problem


def assert_caught(verify_cli, kind, *, entry_id=ANY, seq=ANY, cli_args=()):
    """Both the API and the command report ``kind`` first, at that entry and position."""
    p = first_problem(chain.verify())
    assert p.kind == kind, p
    if entry_id is not ANY:
        assert p.entry_id == entry_id, p
    if seq is not ANY:
        assert p.seq == seq, p
    code, data = verify_cli(*cli_args)
    assert code == 1 and data["ok"] is False
    cli_first = data["first_problem"]
    assert cli_first["kind"] == kind
    if entry_id is not ANY:
        assert cli_first["entry_id"] == entry_id
    return p


def entry_row(entry_id):
    with_cols = AuditEntry.objects.filter(id=entry_id).values_list(*chain.ENTRY_COLUMNS)
    return with_cols.get()


def test_an_intact_chain_verifies_and_the_command_exits_0(ids, verify_cli):
    report = chain.verify()
    assert report.ok and report.entries_checked == 5 and report.head_seq == 5
    assert report.unsealed_entries == 0
    code, data = verify_cli()
    assert code == 0 and data["ok"] is True and data["first_problem"] is None


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("reason", "'backfilled'"),
        ("actor_name", "'someone else'"),
        ("changes", "'{}'"),
        ("record_id", "'999'"),
        ("actor_id", "42"),
    ],
)
def test_an_altered_entry_field_is_named(ids, dba, verify_cli, column, value):
    dba(f"UPDATE core_auditentry SET {column} = {value} WHERE id = %s", [ids[2]])
    assert_caught(verify_cli, "altered", entry_id=ids[2], seq=3)


def test_an_altered_timestamp_is_named(ids, dba, verify_cli):
    occurred = AuditEntry.objects.get(id=ids[1]).occurred_at - dt.timedelta(microseconds=1)
    AuditEntry.objects.filter(id=ids[1]).update(occurred_at=occurred)  # triggers are dropped
    assert_caught(verify_cli, "altered", entry_id=ids[1], seq=2)


def test_a_removed_entry_is_named(ids, dba, verify_cli):
    dba("DELETE FROM core_auditentry WHERE id = %s", [ids[3]])
    assert_caught(verify_cli, "removed", entry_id=ids[3], seq=4)


def test_a_removed_link_leaves_a_gap_at_its_position(ids, dba, verify_cli):
    dba("DELETE FROM core_auditchainlink WHERE seq = 3")
    p = assert_caught(verify_cli, "removed", seq=3)
    assert "3..3" in p.detail


def test_entries_whose_contents_were_swapped_are_caught_at_the_first(ids, dba, verify_cli):
    a, b = entry_row(ids[1]), entry_row(ids[3])
    columns = chain.ENTRY_COLUMNS[1:]
    assignments = ", ".join(f"{c} = %s" for c in columns)
    dba(f"UPDATE core_auditentry SET {assignments} WHERE id = %s", [*b[1:], ids[1]])
    dba(f"UPDATE core_auditentry SET {assignments} WHERE id = %s", [*a[1:], ids[3]])
    report = chain.verify()
    assert [(p.kind, p.entry_id) for p in report.problems] == [
        ("altered", ids[1]),
        ("altered", ids[3]),
    ]
    assert_caught(verify_cli, "altered", entry_id=ids[1], seq=2)


def test_links_whose_positions_were_swapped_are_reported_reordered(ids, dba, verify_cli):
    dba("UPDATE core_auditchainlink SET seq = -1 WHERE seq = 2")
    dba("UPDATE core_auditchainlink SET seq = 2 WHERE seq = 4")
    dba("UPDATE core_auditchainlink SET seq = 4 WHERE seq = -1")
    assert_caught(verify_cli, "reordered", entry_id=ids[3], seq=2)


def test_adjacent_links_swapped_are_reported_reordered(ids, dba, verify_cli):
    dba("UPDATE core_auditchainlink SET seq = -1 WHERE seq = 2")
    dba("UPDATE core_auditchainlink SET seq = 2 WHERE seq = 3")
    dba("UPDATE core_auditchainlink SET seq = 3 WHERE seq = -1")
    assert_caught(verify_cli, "reordered", entry_id=ids[2], seq=2)


def test_an_altered_link_hash_is_named(ids, dba, verify_cli):
    dba("UPDATE core_auditchainlink SET hash = %s WHERE seq = 3", ["f" * 64])
    p = assert_caught(verify_cli, "altered", entry_id=ids[2], seq=3)
    assert "hash stored at position 3" in p.detail


def test_an_altered_back_pointer_is_caught(ids, dba, verify_cli):
    dba("UPDATE core_auditchainlink SET prev_hash = %s WHERE seq = 4", ["e" * 64])
    p = assert_caught(verify_cli, "altered", entry_id=ids[3], seq=4)
    assert "back-pointer stored at position 4" in p.detail


def test_a_removed_link_with_later_positions_renumbered_is_caught(ids, dba, verify_cli):
    """Covering the gap does not help: the next link points at a hash no longer there."""
    dba("DELETE FROM core_auditchainlink WHERE seq = 3")
    dba("UPDATE core_auditchainlink SET seq = seq - 1 WHERE seq = 4")
    dba("UPDATE core_auditchainlink SET seq = seq - 1 WHERE seq = 5")
    assert_caught(verify_cli, "removed", entry_id=ids[3], seq=3)


def test_a_link_spliced_into_the_middle_is_reported_inserted(ids, dba, verify_cli, system):
    """A forged link at position 3 that points back at 2; later links are renumbered."""
    forged = AuditEntry.objects.create(
        occurred_at=clock.now(), actor_kind="user", actor_id=1, actor_name="mallory",
        action="update", record_type="catalog.unitofmeasure", record_id="1", changes="{}",
    )  # fmt: skip
    for seq in (5, 4, 3):
        dba("UPDATE core_auditchainlink SET seq = seq + 1 WHERE seq = %s", [seq])
    prev = AuditChainLink.objects.get(seq=2).hash
    digest = chain.link_hash(prev, entry_row(forged.pk))
    AuditChainLink.objects.create(
        seq=3, entry_id=forged.pk, prev_hash=prev, hash=digest, sealed_at=clock.now()
    )
    assert_caught(verify_cli, "inserted", entry_id=forged.pk, seq=3)


@pytest.fixture
def dated_chain(system):
    """Three entries written and sealed three days ago, two more sealed two hours later."""
    t0 = clock.now().replace(microsecond=0) - dt.timedelta(days=3)
    with clock.frozen(t0):
        ids = sealed_chain(system, 3)
    with clock.frozen(t0 + dt.timedelta(hours=2)):
        for i in (3, 4):
            services.create_uom(system, code=f"U{i}", name_zh="单位", name_en="unit")
        chain.seal()
    return t0, ids


def back_dated_entry(when):
    return AuditEntry.objects.create(
        occurred_at=when, actor_kind="user", actor_id=7, actor_name="QA Manager (qa)",
        action="update", record_type="catalog.unitofmeasure", record_id="1",
        changes=json.dumps({"name_en": ["each", "Each"]}), reason="correction",
    )  # fmt: skip


def test_a_back_dated_entry_not_yet_sealed_is_reported_inserted(dated_chain, verify_cli):
    """Dated between two sealed entries, yet missing from the chain sealed after that date."""
    t0, _ids = dated_chain
    forged = back_dated_entry(t0 + dt.timedelta(minutes=30))
    report = chain.verify()
    assert report.unsealed_entries == 1
    assert_caught(verify_cli, "inserted", entry_id=forged.pk, seq=None, cli_args=("--no-seal",))


def test_a_back_dated_entry_that_got_sealed_is_reported_inserted(dated_chain, verify_cli):
    t0, _ids = dated_chain
    forged = back_dated_entry(t0 + dt.timedelta(minutes=30))
    assert chain.seal() == 1
    p = assert_caught(verify_cli, "inserted", entry_id=forged.pk, seq=6)
    assert "back-dated" in p.detail


def test_an_entry_that_is_merely_waiting_for_the_sealer_is_not_a_problem(ids, system):
    services.create_uom(system, code="NEW", name_zh="新", name_en="new")
    report = chain.verify()
    assert report.ok and report.unsealed_entries == 1


def rewrite_chain_from(seq):
    """Recompute every link from ``seq`` on, as a DBA covering their tracks would."""
    prev = AuditChainLink.objects.get(seq=seq - 1).hash if seq > 1 else chain.GENESIS
    for link in AuditChainLink.objects.filter(seq__gte=seq).order_by("seq"):
        digest = chain.link_hash(prev, entry_row(link.entry_id))
        AuditChainLink.objects.filter(seq=link.seq).update(prev_hash=prev, hash=digest)
        prev = digest


def test_a_whole_chain_rewrite_passes_plain_verify_but_not_the_checkpoint(
    ids, dba, verify_cli, make_checkpoint
):
    path = make_checkpoint()
    assert verify_cli("--checkpoint", str(path))[0] == 0
    dba("UPDATE core_auditentry SET reason = 'nothing to see' WHERE id = %s", [ids[1]])
    rewrite_chain_from(2)
    assert chain.verify().ok
    assert verify_cli()[0] == 0
    code, data = verify_cli("--checkpoint", str(path))
    assert code == 1 and data["first_problem"]["kind"] == "checkpoint"
    assert "rewritten" in data["first_problem"]["detail"]
    assert data["checkpoint"]["ok"] is False


def test_a_truncated_chain_passes_plain_verify_but_not_the_checkpoint(
    ids, dba, verify_cli, make_checkpoint
):
    path = make_checkpoint()
    dba("DELETE FROM core_auditchainlink WHERE seq >= 4")
    dba("DELETE FROM core_auditentry WHERE id IN (%s, %s)", [ids[3], ids[4]])
    assert verify_cli()[0] == 0
    code, data = verify_cli("--checkpoint", str(path))
    assert code == 1 and "cut" in data["first_problem"]["detail"]


def test_a_checkpoint_signed_with_another_key_is_refused(
    ids, verify_cli, make_checkpoint, settings, tmp_path
):
    genuine = make_checkpoint()
    document = json.loads(genuine.read_text())
    settings.MEDERP_AUDIT_SIGNING_KEY_FILE = str(tmp_path / "forger.pem")
    checkpoint.generate_key(tmp_path / "forger.pem")
    forged = checkpoint.create_checkpoint()
    assert forged["hash"] == document["hash"]  # same head, other key
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    settings.MEDERP_AUDIT_SIGNING_KEY_FILE = str(genuine.parent.parent / "keys" / "audit.pem")
    code, data = verify_cli("--checkpoint", str(path))
    assert code == 1 and "signature" in data["first_problem"]["detail"]
    assert verify_cli("--checkpoint", str(genuine))[0] == 0


def test_a_checkpoint_with_an_edited_head_is_refused(ids, verify_cli, make_checkpoint):
    path = make_checkpoint()
    document = json.loads(path.read_text())
    document["seq"] = 3
    document["hash"] = AuditChainLink.objects.get(seq=3).hash
    path.write_text(json.dumps(document))
    code, data = verify_cli("--checkpoint", str(path))
    assert code == 1 and "signature" in data["first_problem"]["detail"]


def test_an_unreadable_checkpoint_file_fails_verification(ids, verify_cli, signing_key, tmp_path):
    path = tmp_path / "garbage.json"
    path.write_text("{not json")
    assert verify_cli("--checkpoint", str(path))[0] == 1
    path.write_text(json.dumps({"seq": 1}))
    code, data = verify_cli("--checkpoint", str(path))
    assert code == 1 and "not a MedERP audit checkpoint" in data["first_problem"]["detail"]


def test_a_checkpoint_of_an_empty_chain_holds(db, verify_cli, make_checkpoint):
    path = make_checkpoint()
    assert json.loads(path.read_text())["seq"] == 0
    assert verify_cli("--checkpoint", str(path))[0] == 0
