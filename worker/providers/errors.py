"""One mapping from a vendor SDK's exceptions to ticketflow's provider errors.

The Anthropic and OpenAI SDKs are generated from the same template, so their exceptions have the
same shapes: `APIStatusError` (`.status_code`, `.message`, `.request_id` read from the vendor's own
header, `.response.headers`) and `APIConnectionError` (which `APITimeoutError` subclasses). The
adapters hand in their SDK's two classes; this module imports neither SDK.

- 408, 409, 429 and every 5xx (529 "overloaded" included) -> ProviderUnavailable, retried with
  the server's `retry-after-ms` / `retry-after` when it sent one.
- Other HTTP statuses (4xx) -> ProviderRejected: a human takes over.
- Connection errors and timeouts -> ProviderUnavailable.
- Anything else the SDK raised (e.g. a response it could not parse) -> ProviderRejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, cast

from worker.errors import ProviderError, ProviderRejected, ProviderUnavailable
from worker.reliability.retrying import retry_after_header

TRANSIENT_STATUS = frozenset({408, 409, 429})


class _StatusError(Protocol):
    """What both SDKs' `APIStatusError` carry."""

    status_code: int
    message: str
    request_id: str | None
    response: Any


@dataclass(frozen=True)
class SdkErrors:
    """One SDK's exception classes: `status` for HTTP error answers, `connection` for no answer (and timeouts)."""

    status: type[Exception]
    connection: type[Exception]


def provider_error(exc: Exception, provider: str, sdk: SdkErrors) -> ProviderError:
    """The ticketflow error for an SDK error: transient ones are retried, the rest go to a human."""
    if isinstance(exc, sdk.status):
        err = cast(_StatusError, exc)
        status, rid = err.status_code, err.request_id
        msg = f"{provider} HTTP {status}: {err.message}"[:300]
        if status in TRANSIENT_STATUS or status >= 500:
            return ProviderUnavailable(msg, retry_after=retry_after_header(err.response.headers), provider=provider, status=status, request_id=rid)
        return ProviderRejected(msg, provider=provider, status=status, request_id=rid)
    if isinstance(exc, sdk.connection):  # includes the SDK's APITimeoutError
        return ProviderUnavailable(f"{provider} unreachable: {type(exc).__name__}", provider=provider)
    return ProviderRejected(f"{provider} response unusable: {exc}"[:300], provider=provider)
