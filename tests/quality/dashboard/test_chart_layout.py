"""The quality charts leave room for their texts (ISO 13485 §8.4 data shown legibly): a long
value ("1 (0 overdue)") stays inside the drawing, a long label (a Chinese company name) never
runs over the bars; a label too long for the label column is cut with "…" and keeps its full
text in a <title>."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.quality.capa.services import open_capa
from mederp.quality.dashboard.charts import Bar, bar_chart
from tests.procurement import conftest as procurement
from tests.quality.svg_layout import assert_fits, charts_in, parse

clock_frozen = procurement.clock_frozen
make_product = procurement.make_product
world = procurement.world

LONG_CN = "苏州市吴中区精密医疗器械配件制造有限公司"  # 20 characters


def test_a_long_value_text_stays_inside_the_drawing():
    chart = parse(
        bar_chart(
            [Bar("0–30 days", 1, text="1 (0 overdue)"), Bar("over 90 days", 0, text="0")],
            label="CAPAs",
        )
    )
    assert_fits(chart)
    assert chart.rows[0].value == "1 (0 overdue)"


def test_a_very_long_value_widens_the_drawing():
    text = "12 (12 overdue, 逾期 12 项纠正预防措施)"
    assert_fits(parse(bar_chart([Bar("x", 12, text=text)], label="c")))


def test_chinese_labels_do_not_overlap_the_bars():
    bars = [Bar(f"SUP-00{i} 苏州{'精密' * i}医疗器械有限公司", 50 + i) for i in range(1, 4)]
    chart = parse(bar_chart(bars, label="Supplier scores", max_value=100))
    assert_fits(chart)
    assert [r.label for r in chart.rows] == [b.label for b in bars]  # short enough: whole


def test_a_label_too_long_is_cut_and_keeps_its_full_text_as_a_title():
    name = "SUP-009 " + LONG_CN * 2
    chart = parse(bar_chart([Bar(name, 80), Bar("SUP-001 短名", 90)], label="s", max_value=100))
    assert_fits(chart)
    cut = chart.rows[0]
    assert cut.label.endswith("…") and cut.label != name
    assert name in cut.titles
    assert chart.rows[1].label == "SUP-001 短名"


def test_the_dashboard_charts_fit_their_texts(world):
    open_capa(
        Actor.for_user(world.qa),
        title="Supplier packaging",
        problem="Cracked barrels on receipt",
        links=[("audit", "AUD-1")],
        due_date=clock.today() + dt.timedelta(days=30),
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.qa)
    page = client.get("/quality/").content.decode()
    charts = charts_in(page)
    assert len(charts) >= 3
    for chart in charts:
        assert_fits(chart)
    assert any(r.value == "1 (0 overdue)" for c in charts for r in c.rows)
