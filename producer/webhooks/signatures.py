"""The helpdesks' webhook signature schemes, verified on the raw body in constant time.

Zendesk: `X-Zendesk-Webhook-Signature` = base64(HMAC-SHA256(secret, timestamp + body)), with the
timestamp (`X-Zendesk-Webhook-Signature-Timestamp`, ISO 8601) inside a replay window.
Intercom: `X-Hub-Signature` = "sha1=" + hex(HMAC-SHA1(client secret, body)); it signs no timestamp,
so replays are caught by the notification id (see `events.seen_before`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

from worker.errors import TicketflowError


class SignatureInvalid(TicketflowError):
    """A webhook whose signature is missing, wrong, or too old: answered 401, nothing enqueued."""


def _same(expected: str, given: str) -> bool:
    # Bytes, not str: compare_digest refuses non-ASCII text, and a header can carry any byte.
    return hmac.compare_digest(expected.encode(), given.strip().encode("utf-8", "surrogateescape"))


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The signature Zendesk sends for `body` at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode("utf-8", "surrogateescape") + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def intercom_signature(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature` header Intercom sends for `body`."""
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def parse_timestamp(raw: str) -> float:
    """Seconds since the epoch from Zendesk's ISO 8601 timestamp (epoch seconds are accepted too)."""
    raw = raw.strip()
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise SignatureInvalid(f"unreadable signature timestamp {raw[:40]!r}") from exc


def verify_zendesk(secret: str, *, signature: str | None, timestamp: str | None, body: bytes, now: float, window_s: float) -> None:
    """Raise SignatureInvalid unless the signature matches and the timestamp is within the window."""
    if not signature or not timestamp:
        raise SignatureInvalid("missing X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp")
    if not _same(zendesk_signature(secret, timestamp, body), signature):
        raise SignatureInvalid("Zendesk signature does not match the body")
    age = now - parse_timestamp(timestamp)
    if abs(age) > window_s:
        raise SignatureInvalid(f"Zendesk signature timestamp is {age:.0f}s away from now (window {window_s:.0f}s): replay refused")


def verify_intercom(secret: str, *, signature: str | None, body: bytes) -> None:
    """Raise SignatureInvalid unless `X-Hub-Signature` matches the body."""
    if not signature:
        raise SignatureInvalid("missing X-Hub-Signature")
    if not _same(intercom_signature(secret, body), signature):
        raise SignatureInvalid("Intercom signature does not match the body")
