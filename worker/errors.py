"""The one error tree of ticketflow.

TicketflowError
  ConfigError            bad or missing settings, raised at start-up
  TicketInvalid          producer input rejected -> HTTP 422 / exit code 2
  ProviderError          something a model provider did
    ProviderUnavailable  timeout, 429, 5xx, overloaded -> retried with backoff
    ProviderRejected     permanent 4xx or unusable output -> the ticket goes to a human
  RateLimited            the cluster-wide budget is spent for now -> retried after `retry_after`
  Deferred               the call was held back (a provider's circuit breaker is open) -> waits
                         `retry_after` within the ticket's deadline, without spending a retry
  SinkError              a helpdesk write-back failed
    SinkUnavailable      transient, retried
    SinkRejected         permanent, recorded and escalated
  SyncFailed             a help-centre sync could not finish; the last good index keeps serving
"""

from __future__ import annotations


class TicketflowError(Exception):
    """Base of every error ticketflow raises on purpose."""


class ConfigError(TicketflowError):
    """Settings are missing or invalid; raised once, at start-up."""


class TicketInvalid(TicketflowError):
    """A producer handed in a ticket that cannot be accepted."""

    def __init__(self, message: str, *, field: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.line = line


class ProviderError(TicketflowError):
    """A model provider call failed."""

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.request_id = request_id


class ProviderUnavailable(ProviderError):
    """Transient provider failure (timeout, 429, 5xx, 529): retry with backoff."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ProviderRejected(ProviderError):
    """Permanent provider failure (bad request, auth, unusable output): a human takes over."""


class RateLimited(TicketflowError):
    """The shared rate budget is exhausted; try again after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Deferred(TicketflowError):
    """The call was not made (a cluster-wide circuit breaker is open): wait `retry_after` seconds, spending no retry."""

    def __init__(self, message: str, *, retry_after: float, provider: str = "") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.provider = provider


class SinkError(TicketflowError):
    """Writing a result back to a helpdesk failed."""

    def __init__(self, message: str, *, sink: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.sink = sink
        self.status = status


class SinkUnavailable(SinkError):
    """Transient helpdesk failure: retried."""


class SinkRejected(SinkError):
    """Permanent helpdesk failure: recorded, not retried."""


TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    ProviderUnavailable,
    RateLimited,
    Deferred,
    SinkUnavailable,
    ConnectionError,
    TimeoutError,
)


class SyncFailed(TicketflowError):
    """A help-centre sync could not finish (API down, refused, nothing published); nothing new was published."""

    def __init__(self, message: str, *, source: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.status = status
