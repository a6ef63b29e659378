"""Webhook signatures (issue 7, 1a): HMAC-SHA256 over timestamp and body, refused when tampered
with or older than five minutes; and the sealed secret they are made with (AC-07)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from mederp.integration.relay import signing
from mederp.integration.relay.secrets import (
    SecretUnreadable,
    generate_secret,
    open_secret,
    seal_secret,
)

SECRET = "whsec_a-receivers-secret"
BODY = b'{"event_id":"e1","payload":{"n":1}}'
T = 1_767_225_600


def signed(secret: str = SECRET, body: bytes = BODY, t: int = T) -> dict[str, str]:
    return {
        "MedERP-Timestamp": str(t),
        "MedERP-Signature": signing.signature_header(secret, t, body),
    }


def test_a_signed_body_verifies_within_the_tolerance() -> None:
    assert signing.verify(SECRET, signed(), BODY, now=T + 299)


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signed()["MedERP-Signature"] == f"t={T},v1={expected}"


def test_headers_are_looked_up_whatever_their_case() -> None:
    headers = {k.lower(): v for k, v in signed().items()}
    assert signing.verify(SECRET, headers, BODY, now=T)


def test_a_tampered_body_is_refused() -> None:
    assert not signing.verify(SECRET, signed(), BODY.replace(b"1", b"2"), now=T)


def test_another_secret_is_refused() -> None:
    assert not signing.verify("whsec_someone-else", signed(), BODY, now=T)


def test_a_timestamp_older_than_five_minutes_is_refused() -> None:
    assert not signing.verify(SECRET, signed(), BODY, now=T + 301)


def test_a_timestamp_from_the_future_is_refused() -> None:
    assert not signing.verify(SECRET, signed(), BODY, now=T - 301)


def test_now_may_be_an_aware_datetime() -> None:
    now = dt.datetime.fromtimestamp(T + 10, dt.UTC)
    assert signing.verify(SECRET, signed(), BODY, now=now)


def test_a_moved_timestamp_breaks_the_signature() -> None:
    headers = signed()
    headers["MedERP-Signature"] = headers["MedERP-Signature"].replace(f"t={T}", f"t={T + 60}")
    assert not signing.verify(SECRET, headers, BODY, now=T + 60)


@pytest.mark.parametrize(
    "header",
    ["", "v1=abc", f"t={T}", f"t=soon,v1={'0' * 64}", f"t={T},v1=é", f"t={T},v2={'0' * 64}"],
)
def test_a_missing_or_malformed_signature_is_refused(header: str) -> None:
    assert not signing.verify(SECRET, {"MedERP-Signature": header}, BODY, now=T)


def test_no_signature_header_is_refused() -> None:
    assert not signing.verify(SECRET, {}, BODY, now=T)


def test_any_of_several_signatures_may_match_while_a_secret_rotates() -> None:
    old = signing.compute("whsec_the-old-one", T, BODY)
    new = signing.compute(SECRET, T, BODY)
    headers = {"MedERP-Signature": f"t={T},v1={old},v1={new}"}
    assert signing.verify(SECRET, headers, BODY, now=T)


def test_a_sealed_secret_opens_to_itself() -> None:
    secret = generate_secret()
    sealed = seal_secret(secret)
    assert secret not in sealed
    assert open_secret(sealed) == secret


def test_sealing_twice_gives_different_ciphertexts() -> None:
    assert seal_secret(SECRET) != seal_secret(SECRET)


def test_generated_secrets_are_long_and_distinct() -> None:
    a, b = generate_secret(), generate_secret()
    assert a != b and len(a) >= 40


def test_an_altered_sealed_secret_cannot_be_opened() -> None:
    sealed = seal_secret(SECRET)
    altered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(SecretUnreadable):
        open_secret(altered)


def test_a_secret_sealed_under_another_secret_key_cannot_be_opened() -> None:
    with override_settings(SECRET_KEY="another-deployment-" * 3):
        sealed = seal_secret(SECRET)
    with pytest.raises(SecretUnreadable):
        open_secret(sealed)


def test_garbage_is_not_a_sealed_secret() -> None:
    with pytest.raises(SecretUnreadable):
        open_secret("not base64 at all!")
