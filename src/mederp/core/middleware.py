"""Binds a request id (from ``X-Request-ID`` or new) and the client IP for the audit trail."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from mederp.core import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else str(uuid.uuid4())
        tokens = context.bind(request_id=rid, client_ip=request.META.get("REMOTE_ADDR"))
        try:
            response = self.get_response(request)
        finally:
            context.reset(tokens)
        response["X-Request-ID"] = rid
        return response
