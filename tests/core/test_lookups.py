"""Integers beyond a column's range match no row, through foreign keys and ``in`` lists too
(``core.lookups``; invariant 7: an id any client can type never becomes a 500)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

pytestmark = pytest.mark.django_db

HUGE = 2**70  # past any BIGINT / SQLite INTEGER


def test_a_foreign_key_id_beyond_the_column_matches_no_row() -> None:
    assert not Permission.objects.filter(content_type_id=HUGE).exists()
    assert not Permission.objects.filter(content_type_id=-HUGE).exists()
    assert not Permission.objects.filter(content_type=HUGE).exists()


def test_excluding_an_id_beyond_the_column_excludes_nothing() -> None:
    assert Permission.objects.exclude(content_type_id=HUGE).count() == Permission.objects.count()


def test_an_in_list_keeps_the_ids_that_fit_and_drops_the_others() -> None:
    content_type = ContentType.objects.get_for_model(Permission)
    mine = Permission.objects.filter(content_type=content_type)
    assert set(Permission.objects.filter(content_type_id__in=[HUGE, content_type.pk])) == set(mine)
    assert not Permission.objects.filter(content_type_id__in=[HUGE, -HUGE]).exists()
    assert set(ContentType.objects.filter(pk__in=[HUGE, content_type.pk])) == {content_type}
    assert not ContentType.objects.filter(pk__in=[HUGE]).exists()


def test_ids_in_range_still_match_as_before() -> None:
    content_type = ContentType.objects.get_for_model(Permission)
    assert Permission.objects.filter(content_type_id=content_type.pk).exists()
    assert not Permission.objects.filter(content_type_id=2**63 - 1).exists()
