"""The events catalogue (docs/events.md) lists every declared event type, with schemas from real
payloads and personal data masked."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from mederp.core import outbox
from mederp.core.actors import Actor
from mederp.core.apicontract.snapshot import docs_dir
from mederp.core.eventcatalog import infer, render
from mederp.core.eventcatalog.declared import declared_events


@pytest.fixture(scope="module")
def declared():
    return declared_events()


def test_the_catalogue_lists_every_declared_event_type(declared):
    page = (docs_dir() / "events.md").read_text(encoding="utf-8")
    missing = sorted(set(declared) - render.listed(page))
    assert not missing, (
        f"docs/events.md has no entry for {', '.join(missing)}; regenerate it with "
        f"`{render.COMMAND}` (one command: it builds the demo plant in a scratch database)"
    )


def test_every_events_module_constant_is_declared(declared):
    assert {"catalog.product.created", "ncr.opened", "inventory.temperature.recorded"} <= set(
        declared
    )
    assert declared["ncr.opened"].constant == "mederp.quality.nonconformance.events.NCR_OPENED"


def test_constants_handed_to_outbox_emit_outside_events_modules_are_declared(declared):
    assert declared["core.signature.recorded"].constant == (
        "mederp.core.signatures.SIGNATURE_RECORDED"
    )
    assert declared["identity.security.alert"].app == "identity"


def test_a_declared_event_names_where_it_is_described_and_used(declared):
    opened = declared["ncr.opened"]
    assert opened.notes and opened.notes[0].startswith("`ncr.opened`: id, number")
    assert "mederp.quality.nonconformance.services.opening.open_ncr" in opened.referenced_by


def test_the_schema_requires_what_every_example_had_and_types_what_it_saw():
    schema = infer.infer(
        [
            {"id": 1, "quantity": "2.500", "at": "2026-11-26T08:00:00Z", "lot": None},
            {"id": 2, "quantity": "7", "at": "2026-11-27T09:30:00+00:00", "lot": "L1", "x": 1.5},
        ]
    )
    props = schema["properties"]
    assert schema["required"] == ["id", "quantity", "at", "lot"]
    assert props["id"] == {"type": "integer"}
    assert props["quantity"] == {"type": "string", "format": "decimal"}
    assert props["at"] == {"type": "string", "format": "date-time"}
    assert props["lot"] == {"type": ["string", "null"]}
    assert props["x"] == {"type": "number"}


def test_nested_lists_of_objects_get_an_item_schema():
    schema = infer.infer([{"lines": [{"a": 1}, {"a": 2, "b": "x"}]}, {"lines": []}])
    items = schema["properties"]["lines"]["items"]
    assert items["required"] == ["a"]
    assert items["properties"]["b"] == {"type": "string"}


def test_a_known_choice_lists_all_its_values_as_the_enum():
    schema = infer.infer([{"severity": "major"}], {"severity": ["minor", "major", "critical"]})
    assert schema["properties"]["severity"]["enum"] == ["minor", "major", "critical"]


def test_a_value_outside_the_known_choices_gets_no_enum():
    schema = infer.infer([{"kind": "surprise"}], {"kind": ["a", "b"]})
    assert "enum" not in schema["properties"]["kind"]


def test_personal_data_is_masked_in_examples():
    example = {
        "username": "qa",
        "printed_name": "张三 Zhang San",
        "items": [{"operator": "op1", "quantity": "1"}],
        "product_code": "P-1",
    }
    assert infer.mask(example) == {
        "username": "***",
        "printed_name": "***",
        "items": [{"operator": "***", "quantity": "1"}],
        "product_code": "P-1",
    }


@pytest.mark.django_db(transaction=True)
def test_the_catalogue_is_generated_from_the_events_in_the_database(tmp_path: Path):
    actor = Actor.system("test")
    with transaction.atomic():
        for n, name in enumerate(["pieces", "boxes"], start=1):
            outbox.emit(
                actor,
                "catalog.uom.created",
                aggregate_type="catalog.unitofmeasure",
                aggregate_id=n,
                payload={"id": n, "code": name[:3], "name": name, "username": "someone"},
            )
        outbox.emit(
            actor,
            "test.thing.happened",
            aggregate_type="test.thing",
            aggregate_id=1,
            payload={"id": 1},
        )
    out = tmp_path / "events.md"
    call_command("events", "catalogue", out=out)
    page = out.read_text(encoding="utf-8")
    entry = page.split('<a id="catalog.uom.created"></a>')[1].split("<a id=")[0]
    assert "aggregate `catalog.unitofmeasure`" in entry
    assert "Payload schema (from 2 examples)" in entry
    assert '"username": "***"' in entry and "someone" not in page
    unseen = page.split('<a id="capa.closed"></a>')[1].split("<a id=")[0]
    assert "the demo plant does not emit it" in unseen
    assert '"enum": ["close"]' in unseen  # the workflow kernel's transition payload
    assert "## Seen but not declared" in page
    assert "test.thing.happened" in render.listed(page)
    assert set(declared_events()) <= render.listed(page)


def test_the_check_command_names_what_the_catalogue_lacks(tmp_path: Path, capsys):
    stale = tmp_path / "events.md"
    stale.write_text('<a id="catalog.uom.created"></a>\n', encoding="utf-8")
    with pytest.raises(SystemExit):
        call_command("events", "check", catalogue=stale)
    err = capsys.readouterr().err
    assert "ncr.opened" in err and render.COMMAND in err
