"""Unit-of-measure pages: an edit posted from a stale or tampered form never overwrites."""

from __future__ import annotations

import pytest

from mederp.catalog import services
from mederp.catalog.models import UnitOfMeasure

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("version", ["0", "abc", None])
def test_an_edit_with_a_stale_or_garbled_version_is_refused_not_a_500(
    api, system, unchanged, version
):
    uom = services.create_uom(system, code="EA", name_zh="个", name_en="each")
    data = {"code": "EA", "name_zh": "个", "name_en": "Each", "is_active": "on", "reason": "fix"}
    if version is not None:
        data["version"] = version
    with unchanged(UnitOfMeasure):
        r = api.post(f"/catalog/uoms/{uom.pk}/edit/", data)
    assert r.status_code == 200 and "stale_record" in r.content.decode()
    assert UnitOfMeasure.objects.get(pk=uom.pk).name_en == "each"


def test_an_edit_with_the_current_version_and_a_reason_is_saved(api, system):
    uom = services.create_uom(system, code="EA", name_zh="个", name_en="each")
    data = {"code": "EA", "name_zh": "个", "name_en": "Each", "is_active": "on",
            "reason": "capitalise", "version": "1"}  # fmt: skip
    r = api.post(f"/catalog/uoms/{uom.pk}/edit/", data)
    assert r.status_code == 302
    assert UnitOfMeasure.objects.get(pk=uom.pk).version == 2
