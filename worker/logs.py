"""Structured logs without secrets: one JSON object a line, the ticket id on every line about a ticket.

Everything a handler writes passes through `redact` first, whatever logger produced it (ours,
Celery's, an SDK's, httpx's): API keys and tokens (the configured ones by value, the usual shapes by
pattern), e-mail addresses and payment-card numbers are replaced before the line is formatted.
The ticket id comes from `extra={"ticket_id": ...}` where the code passes it, otherwise from the
task that is running (set on `task_prerun` from the task's payload), so a line an SDK logs in the
middle of a stage still says which ticket it was about.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
from collections.abc import Iterable
from typing import Any

from pydantic import SecretStr

from worker.settings import Settings

current_ticket: contextvars.ContextVar[str | None] = contextvars.ContextVar("ticketflow_ticket", default=None)

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# 13-19 digits, optionally grouped by single spaces or dashes; only Luhn-valid runs are cards, so
# stream ids, timestamps and order numbers stay readable.
CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])")
KEY_SHAPES = re.compile(
    r"sk-ant-[A-Za-z0-9_-]{8,}"  # Anthropic
    r"|sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{16,}"  # OpenAI
    r"|(?i:bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"  # Authorization headers
    r"|(?i:(?:x-)?api[-_]?key|(?:access[-_]?)?token|secret|password)[\"']?\s*[:=]\s*[\"']?[^\s\"',}]{4,}"
)
URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*):([^/\s@]+)@")
# Attributes every LogRecord has; anything else on a record came from `extra=` and goes in the JSON.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "ticket_id"}
_MIN_SECRET_CHARS = 6


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn checksum that every payment-card number carries."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(m: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    return "[card]" if 13 <= len(digits) <= 19 and luhn_ok(digits) else m.group(0)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with secret values, key-shaped strings, e-mail addresses and card numbers masked."""
    for s in secrets:
        if len(s) >= _MIN_SECRET_CHARS and s in text:
            text = text.replace(s, "[secret]")
    text = URL_PASSWORD.sub(r"\1:[secret]@", text)
    text = KEY_SHAPES.sub("[secret]", text)
    text = EMAIL.sub("[email]", text)
    return CARD.sub(_card, text)


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings hold (API keys, tokens, webhook secrets), longest first."""
    values = [v.get_secret_value() for v in vars(settings).values() if isinstance(v, SecretStr)]
    return sorted({v for v in values if v}, key=len, reverse=True)


def _scrub(value: Any, secrets: Iterable[str]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return redact(repr(value), secrets)


class RedactFilter(logging.Filter):
    """Rewrites a record in place: the message rendered and redacted, the ticket id filled in."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = list(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_ticketflow_clean", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message, self.secrets)
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info), self.secrets)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        for key in list(vars(record)):
            if key not in _STANDARD and not key.startswith("_"):
                setattr(record, key, _scrub(getattr(record, key), self.secrets))
        if getattr(record, "ticket_id", None) is None:
            record.ticket_id = current_ticket.get()
        record._ticketflow_clean = True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, msg, ticket_id, then any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "ticket_id": getattr(record, "ticket_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value if isinstance(value, (str, int, float, bool)) or value is None else repr(value)
        if record.exc_text:
            out["exc"] = record.exc_text
        if record.stack_info:
            out["stack"] = record.stack_info
        out["pid"] = record.process
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal (TICKETFLOW_LOG_JSON=false), still redacted, ticket id first."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(ticket_id)s] %(name)s: %(message)s")


def configure_logging(settings: Settings, stream: Any = None) -> logging.Handler:
    """Send every log line of this process through redaction to `stream` (stderr), as JSON by default."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactFilter(secret_values(settings)))
    handler.setFormatter(JsonFormatter() if settings.log_json else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_ticketflow", False)]:
        root.removeHandler(old)
    handler._ticketflow = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    level = logging.getLevelName(settings.log_level.upper())
    root.setLevel(level if isinstance(level, int) else logging.INFO)
    if root.level > logging.DEBUG:
        # Celery logs every task's receipt and return value (the whole ticket) at INFO: noise at
        # four tasks a ticket, and a copy of the customer's message in the log.
        for name in ("celery.app.trace", "celery.worker.strategy"):
            logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def ticket_uid_of(args: Any) -> str | None:
    """`source:id` of the ticket a task's first argument carries (every ticketflow task takes one)."""
    payload = args[0] if isinstance(args, (list, tuple)) and args else None
    ticket = payload.get("ticket") if isinstance(payload, dict) else None
    if not isinstance(ticket, dict) or "id" not in ticket:
        return None
    return f"{ticket.get('source', 'api')}:{ticket['id']}"


def connect_celery(settings_getter: Any) -> None:
    """Let Celery workers log through `configure_logging`, and tag each task's lines with its ticket."""
    from celery.signals import setup_logging, task_postrun, task_prerun

    @setup_logging.connect(weak=False)
    def _setup(**_: Any) -> None:
        configure_logging(settings_getter())

    @task_prerun.connect(weak=False)
    def _enter(args: Any = None, **_: Any) -> None:
        current_ticket.set(ticket_uid_of(args))

    @task_postrun.connect(weak=False)
    def _leave(**_: Any) -> None:
        current_ticket.set(None)
