"""The scorecard chart reserves a label column for long Chinese supplier names (CN-21; ISO 13485
§7.4.1): no name runs over the score bars."""

from __future__ import annotations

from mederp.partners.models import Partner
from tests.quality.suppliers.test_supplier_pages import browser
from tests.quality.svg_layout import assert_fits, charts_in

NAME = "苏州市吴中区精密医疗器械有限公司"  # 16 characters, as real company names are


def test_long_chinese_supplier_names_do_not_overlap_the_bars(quality):
    quality.receive("100", accepted="50")
    # Renamed after receiving (a renamed supplier would need QA's approval again first).
    Partner.objects.filter(pk=quality.world.supplier.pk).update(name=NAME)
    page = browser(quality.world.buyer).get("/quality/suppliers/").content.decode()
    (chart,) = charts_in(page)
    assert_fits(chart)
    assert chart.rows[0].label == f"{quality.world.supplier.code} {NAME}"
