"""What a trace starts from (TR-01, RC-04, UDI-02..UDI-05): a lot number, a serial number or a
label's GS1 scan; a number several products share is refused until a product is named, an
unknown one is refused with 404, and a refusal writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from tests.inventory import conftest as inventory_fixtures

from mederp.catalog.rules import gtin_check_digit
from mederp.compliance.errors import (
    AmbiguousLot,
    ScanWithoutLot,
    TraceQueryMissing,
    UnknownLot,
    UnknownProduct,
)
from mederp.compliance.trace import roots_for
from mederp.core import clock
from mederp.core.errors import DomainError
from mederp.inventory.models import Lot, Serial

stock = inventory_fixtures.stock
today = inventory_fixtures.today

GS = "\x1d"


@pytest.fixture
def numbers(stock: Any) -> Any:
    """Lot L1 of two products, lot L2 of one, serial S1 (in no lot)."""
    at = clock.now()
    made = {
        "a": Lot.objects.create(product=stock.lot_product, number="L1", created_at=at),
        "b": Lot.objects.create(product=stock.cold_product, number="L1", created_at=at),
        "l2": Lot.objects.create(product=stock.lot_product, number="L2", created_at=at),
        "s1": Serial.objects.create(
            product=stock.serial_product, serial_number="S1", created_at=at
        ),
    }
    return made


def test_a_lot_number_names_its_lot(numbers: Any) -> None:
    assert roots_for(" L2 ") == [("lot", numbers["l2"].pk)]


def test_a_serial_number_names_its_serial(numbers: Any) -> None:
    assert roots_for("S1") == [("serial", numbers["s1"].pk)]


def test_a_number_two_products_share_is_ambiguous_until_one_is_named(
    stock: Any, numbers: Any, unchanged: Any
) -> None:
    with unchanged(Lot), pytest.raises(AmbiguousLot) as caught:
        roots_for("L1")

    assert caught.value.code == "compliance.ambiguous_lot"
    assert caught.value.http_status == 422
    assert caught.value.details["product_codes"] == ["INV-001", "INV-004"]
    assert "INV-001, INV-004" in caught.value.render_message()
    assert roots_for("L1", product_code="INV-004") == [("lot", numbers["b"].pk)]


def test_an_unknown_number_is_not_found(numbers: Any) -> None:
    with pytest.raises(UnknownLot) as caught:
        roots_for("NOPE")
    assert (caught.value.code, caught.value.http_status) == ("compliance.unknown_lot", 404)
    assert "NOPE" in caught.value.render_message()


def test_a_number_of_another_product_is_not_found_for_this_one(numbers: Any) -> None:
    with pytest.raises(UnknownLot) as caught:
        roots_for("L2", product_code="INV-004")
    assert caught.value.details["product"] == "INV-004"


def test_an_unknown_product_code_is_refused(numbers: Any) -> None:
    with pytest.raises(UnknownProduct) as caught:
        roots_for("L1", product_code="ZZZ-9")
    assert caught.value.code == "compliance.unknown_product"


def test_an_empty_query_is_refused(db: Any) -> None:
    with pytest.raises(TraceQueryMissing):
        roots_for("   ")


def test_a_gs1_scan_names_the_lot_of_its_product(stock: Any, numbers: Any) -> None:
    # L1 alone is ambiguous; the label's GTIN says whose lot it is.
    gtin = stock.cold_product.gtin
    assert roots_for(f"01{gtin}17280630{GS}10L1") == [("lot", numbers["b"].pk)]
    assert roots_for(f"(01){gtin}(17)280630(10)L1") == [("lot", numbers["b"].pk)]


def test_a_gs1_scan_with_a_serial_names_the_serial(stock: Any, numbers: Any) -> None:
    assert roots_for(f"01{stock.serial_product.gtin}21S1") == [("serial", numbers["s1"].pk)]


def test_a_label_without_lot_or_serial_is_refused(stock: Any, numbers: Any) -> None:
    with pytest.raises(ScanWithoutLot):
        roots_for(f"(01){stock.lot_product.gtin}")


def test_a_scan_of_an_unknown_lot_is_not_found(stock: Any, numbers: Any) -> None:
    with pytest.raises(UnknownLot) as caught:
        roots_for(f"(01){stock.lot_product.gtin}(10)L9")
    assert caught.value.details["lot"] == "L9"


def test_a_misread_scan_is_refused_with_the_barcode_error(stock: Any, numbers: Any) -> None:
    body = stock.lot_product.gtin[:-1]
    wrong = str((int(gtin_check_digit(body)) + 1) % 10)

    with pytest.raises(DomainError) as caught:
        roots_for(f"(01){body}{wrong}(10)L1")

    assert caught.value.code.startswith("barcodes.")
    assert caught.value.details["field"] == "lot"
