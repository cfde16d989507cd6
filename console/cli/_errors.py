"""One line for the failures an operator can fix: what failed, the URL or path tried, what to do.

`main` catches what a command lets escape and asks `explain`; a failure it knows becomes one line on
stderr and exit code 2, anything else (a bug) keeps its traceback. `--debug` keeps every traceback.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator

from worker.errors import ConfigError, TicketInvalid

EXIT_CODE = 2


def masked(url: str) -> str:
    """`url` without its password, fit for a terminal (the same masking as every log line)."""
    from worker.logs import redact

    return redact(url)


def _configured(name: str) -> str:
    """A URL from the settings (the Redis, the broker) without failing if the settings do not load."""
    try:
        from worker.settings import load_settings

        s = load_settings()
    except Exception:
        import os

        return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    return str(getattr(s, name, None) or s.redis_url)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def _reason(exc: BaseException) -> str:
    return str(exc).strip().rstrip(".").splitlines()[0] if str(exc).strip() else type(exc).__name__


def explain(exc: BaseException) -> str | None:
    """The one line for `exc` (or what caused it), None when it is not a failure the operator can fix."""
    import redis

    try:
        from kombu.exceptions import OperationalError as BrokerError
    except ImportError:  # pragma: no cover - kombu comes with celery
        BrokerError = ()  # type: ignore[assignment,misc]  # noqa: N806
    chain = list(_chain(exc))
    for e in chain:
        if isinstance(e, BrokerError):
            url = masked(_configured("broker_url"))
            return (f"cannot reach the broker at {url}: {_reason(e)}; start it, or point "
                    f"{'TICKETFLOW_BROKER_URL' if 'amqp' in url else 'REDIS_URL'} at one that answers")
    for e in chain:
        if isinstance(e, redis.AuthenticationError):  # before ConnectionError, its base class
            return f"Redis at {masked(_configured('redis_url'))} refused the credentials: {_reason(e)}; check the password in REDIS_URL"
        if isinstance(e, (redis.ConnectionError, redis.TimeoutError)):
            url = masked(_configured("redis_url"))
            return (f"cannot reach Redis at {url}: {_reason(e)}; start Redis (redis-server, or `docker compose up redis`) "
                    "or set REDIS_URL to one that answers")
    for e in chain:
        if isinstance(e, OSError) and e.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR, errno.EACCES) and getattr(e, "filename", None):
            what = {errno.ENOENT: "no such file or folder", errno.EISDIR: "is a folder, not a file", errno.ENOTDIR: "a part of the path is not a folder",
                    errno.EACCES: "permission denied"}[e.errno]
            return f"cannot open {e.filename}: {what}; check the path (relative paths are from {_cwd()})"
        if isinstance(e, ConfigError):
            return f"configuration: {e}"
        if isinstance(e, TicketInvalid):
            return str(e)
    return None


def _cwd() -> str:
    import os

    return os.getcwd()
