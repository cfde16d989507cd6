"""Webhook signature schemes: pure functions, no fixtures."""

from __future__ import annotations

import pytest

from producer.webhooks.signatures import SignatureInvalid, intercom_signature, verify_intercom, verify_zendesk, zendesk_signature

BODY = b'{"type":"zen:event-type:ticket.created"}'
TS = "2026-11-26T10:00:00Z"
NOW = 1795687200.0  # 2026-11-26T10:00:00Z


def test_zendesk_signature_is_base64_hmac_sha256_of_timestamp_then_body() -> None:
    import base64
    import hashlib
    import hmac

    expected = base64.b64encode(hmac.new(b"s", (TS + BODY.decode()).encode(), hashlib.sha256).digest()).decode()
    assert zendesk_signature("s", TS, BODY) == expected


def test_a_valid_zendesk_signature_inside_the_window_passes() -> None:
    verify_zendesk("s", signature=zendesk_signature("s", TS, BODY), timestamp=TS, body=BODY, now=NOW + 10, window_s=300)


@pytest.mark.parametrize(
    ("signature", "timestamp", "body", "now", "why"),
    [
        (None, TS, BODY, NOW, "missing"),
        (zendesk_signature("s", TS, BODY), None, BODY, NOW, "missing"),
        (zendesk_signature("other", TS, BODY), TS, BODY, NOW, "does not match"),
        (zendesk_signature("s", TS, BODY), TS, BODY + b" ", NOW, "does not match"),
        (zendesk_signature("s", TS, BODY), "2026-11-26T10:00:01Z", BODY, NOW, "does not match"),
        (zendesk_signature("s", TS, BODY), TS, BODY, NOW + 301, "replay"),
        (zendesk_signature("s", TS, BODY), TS, BODY, NOW - 301, "replay"),
        (zendesk_signature("s", "garbage", BODY), "garbage", BODY, NOW, "unreadable"),
    ],
)
def test_bad_zendesk_signatures_are_refused_with_the_reason(signature: str | None, timestamp: str | None, body: bytes, now: float, why: str) -> None:
    with pytest.raises(SignatureInvalid, match=why):
        verify_zendesk("s", signature=signature, timestamp=timestamp, body=body, now=now, window_s=300)


def test_intercom_signature_is_sha1_hex_with_prefix() -> None:
    import hashlib
    import hmac

    assert intercom_signature("k", BODY) == "sha1=" + hmac.new(b"k", BODY, hashlib.sha1).hexdigest()
    verify_intercom("k", signature=intercom_signature("k", BODY), body=BODY)


@pytest.mark.parametrize("signature", [None, "", "sha1=00", intercom_signature("other", BODY), intercom_signature("k", BODY + b"x")])
def test_bad_intercom_signatures_are_refused(signature: str | None) -> None:
    with pytest.raises(SignatureInvalid):
        verify_intercom("k", signature=signature, body=BODY)
