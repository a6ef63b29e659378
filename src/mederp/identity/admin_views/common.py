"""Helpers the administration pages share: CSV downloads that are themselves security events."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.identity import admin_services


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_download(
    request: HttpRequest,
    *,
    report: str,
    header: Iterable[str],
    rows: Iterable[Iterable[Any]],
    filters: dict[str, Any] | None = None,
) -> StreamingHttpResponse:
    """Stream a CSV (UTF-8 with BOM, so spreadsheets read Chinese) and log the export first."""
    admin_services.record_export(Actor.from_request(request), report=report, filters=filters)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"
        yield writer.writerow(list(header))
        for row in rows:
            yield writer.writerow(list(row))

    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mederp-{report}-{stamp}.csv"'
    return response


def iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""
