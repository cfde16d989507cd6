"""Review form tokens: tied to one entry, to grading or re-grading, to the time the page was rendered, and spent once.

A token is `<issued epoch s>.<mode>.<nonce>.<HMAC-SHA256 under the review token of entry, mode, time, nonce>`:
a page elsewhere cannot forge one, a form cannot be replayed after `ttl_s`, a grading form cannot
be turned into a re-grading one, and `spend` (SET NX with the token's remaining life) makes a
posted form good once, whatever the reviewer's browser resubmits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Literal

import redis

from worker import keys

Mode = Literal["grade", "regrade"]
MODES: tuple[str, ...] = ("grade", "regrade")


def _sign(token: str, entry_id: str, mode: str, issued: int, nonce: str) -> str:
    return hmac.new(token.encode(), f"review:{entry_id}:{mode}:{issued}:{nonce}".encode(), hashlib.sha256).hexdigest()


def issue(token: str, entry_id: str, now: float, mode: Mode = "grade") -> str:
    """The form token for one entry, rendered at `now`; every rendering gets its own."""
    issued, nonce = int(now), secrets.token_hex(8)
    return f"{issued}.{mode}.{nonce}.{_sign(token, entry_id, mode, issued, nonce)}"


def check(token: str, entry_id: str, form_token: str, now: float, ttl_s: float) -> tuple[Mode, str] | str:
    """(mode, signature) of a valid, unexpired token for `entry_id`; otherwise why not, as a sentence (pure)."""
    issued_s, mode, nonce, sig = ([*form_token.split(".", 3), "", "", ""])[:4]
    if not issued_s.isdigit() or mode not in MODES or not hmac.compare_digest(sig.encode(), _sign(token, entry_id, mode, int(issued_s), nonce).encode()):
        return "form token missing or wrong: reload the review page"
    age = now - int(issued_s)
    if age > ttl_s or age < -60:
        return "this form has expired: reload the review page"
    return mode, sig  # type: ignore[return-value]


def spend(r: redis.Redis, signature: str, ttl_s: float) -> bool:
    """Mark the form used; False when it already was (a replay)."""
    return bool(r.set(keys.review_form_key(signature), "1", nx=True, ex=max(int(ttl_s) + 60, 1)))


def unspend(r: redis.Redis, signature: str) -> None:
    """Give the form back (the verdict was not stored), so the reviewer can correct and resend it."""
    r.delete(keys.review_form_key(signature))
