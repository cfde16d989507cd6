"""What can be kept of a ticket whose result cannot be built or published, so it still reaches a human.

The reaper's last resort: the stored payload may not validate (an older shape, a hand edit) or
may hold text that cannot be serialised (a lone surrogate let in before the door checked for it).
`salvage` reads the payload as plain JSON, keeps the ticket's fields after making each one safe
text, keeps the metadata entries that serialise on their own (the helpdesk ids the write-back
needs among them), and drops the rest, naming what it dropped in the failure.
"""

from __future__ import annotations

import json
from typing import Any

from worker.models import MAX_ID_CHARS, MAX_MESSAGE_CHARS, MAX_SUBJECT_CHARS, Failure, Ticket, TicketResult

LOST_TEXT = "(ticket text lost: the stored payload could not be read)"
_MAX_KEPT_VALUE_BYTES = 4096


def safe_text(value: Any, limit: int) -> str:
    """`value` as text that always serialises: lone surrogates replaced, NUL removed, cut to `limit`."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")[:limit]


def _kept_metadata(meta: Any) -> tuple[dict[str, Any], list[str]]:
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in (meta.items() if isinstance(meta, dict) else []):
        name = safe_text(key, 100)
        try:
            size = len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8"))
        except (ValueError, TypeError, RecursionError, UnicodeEncodeError):
            size = _MAX_KEPT_VALUE_BYTES + 1
        if name == key and size <= _MAX_KEPT_VALUE_BYTES:
            kept[key] = value
        else:
            dropped.append(name)
    return kept, dropped


def _ticket(uid: str, data: Any) -> tuple[Ticket, list[str]]:
    raw = data.get("ticket") if isinstance(data, dict) else None
    t: dict[str, Any] = raw if isinstance(raw, dict) else {}
    source, _, tid = uid.partition(":")
    meta, dropped = _kept_metadata(t.get("metadata"))
    fields = {
        "id": safe_text(t.get("id"), MAX_ID_CHARS).strip() or tid or uid,
        "source": source or "api",  # the uid is what dedupe and the in-flight registry know it by
        "customer_id": safe_text(t.get("customer_id"), MAX_ID_CHARS).strip() or "anonymous",
        "subject": safe_text(t.get("subject"), MAX_SUBJECT_CHARS),
        "message": safe_text(t.get("message"), MAX_MESSAGE_CHARS).strip() or LOST_TEXT,
        "conversation_id": safe_text(t.get("conversation_id"), MAX_ID_CHARS).strip() or None,
    }
    try:
        ticket = Ticket.model_validate({**fields, "metadata": meta})
        ticket.model_dump_json()
        return ticket, dropped
    except Exception:  # keep the fields that cannot fail, nothing else
        kept = {"id": tid or uid, "source": source or "api", "message": fields["message"]}
        try:
            return Ticket.model_validate(kept), ["*"]
        except Exception:
            return Ticket(id=tid or uid, source=source or "api", message=LOST_TEXT), ["*"]


def salvage(uid: str, raw: bytes | str | None, error: str) -> TicketResult:
    """A result that can always be published for ticket `uid`, failed as `automation_failed` with `error`."""
    try:
        data = json.loads(raw) if raw is not None else None
    except (ValueError, RecursionError):
        data = None
    ticket, dropped = _ticket(uid, data)
    enqueued = data.get("enqueued_at") if isinstance(data, dict) else None
    note = f" (dropped metadata: {', '.join(dropped)[:200]})" if dropped else ""
    return TicketResult(
        ticket=ticket,
        run_id=(safe_text(data.get("run_id"), 200) or None) if isinstance(data, dict) else None,
        enqueued_at=float(enqueued) if isinstance(enqueued, (int, float)) and not isinstance(enqueued, bool) else 0.0,
        failure=Failure(stage="pipeline", error=safe_text(f"result could not be built{note}: {error}", 500), reason="automation_failed"),
    )
