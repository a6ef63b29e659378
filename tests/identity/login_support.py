"""Helpers for sign-in tests: a browser client, the two login steps, security-log and audit reads.

TOTP codes are computed from the frozen clock (tests.signing_support); each code is good once
per 30-second step, so tests that present two codes move the clock on between them.
"""

from __future__ import annotations

import html
import re
from typing import Any

from django.test import Client
from django.urls import reverse

from mederp.core.models import AuditEntry
from mederp.identity.models import SecurityEvent

IP = "203.0.113.7"
LOGIN = "/accounts/login/"
VERIFY = "/accounts/login/verify/"
ENROL = "/accounts/login/enrol/"


def browser(**extra: Any) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=IP, HTTP_USER_AGENT=UA, **extra)


UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def password_step(client: Client, username: str, password: str, **data: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password, **data})


def code_step(client: Client, code: str) -> Any:
    return client.post(VERIFY, {"code": code})


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def error_codes(response: Any) -> list[str]:
    """The ``[code]`` tags of the refusals shown on a page."""
    return re.findall(r"\[([a-z_]+\.[a-z_]+)\]", text(response))


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def events(kind: str, **filters: Any) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind, **filters).order_by("id"))


def audits(action: str, **filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("id"))


def url(name: str, *args: Any) -> str:
    return reverse(name, args=args)
