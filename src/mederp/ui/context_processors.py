from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from mederp.ui.navigation import AREAS


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_areas": []}
    areas = []
    for area in AREAS:
        items = []
        for item in area.items:
            if not user.has_perm(item.permission):
                continue
            try:
                items.append({"label": item.label, "url": reverse(item.url_name)})
            except NoReverseMatch:
                continue
        if items:
            areas.append({"label": area.label, "items": items})
    return {"nav_areas": areas}
