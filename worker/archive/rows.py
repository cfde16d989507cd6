"""A published result as the rows the archive stores it in, with the privacy settings applied (pure).

Privacy (`TICKETFLOW_ARCHIVE_MESSAGE`, `TICKETFLOW_ARCHIVE_REPLY`): `keep` stores the text as it was,
`redact` passes it through the log redaction rules (worker/logs.py: keys and tokens, e-mail addresses,
payment-card numbers), `drop` stores nothing (NULL). The message setting covers the earlier turns too;
the subject is treated like the message.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from worker.logs import redact
from worker.state.outcomes import entry_time

Keep = Literal["keep", "redact", "drop"]
STAGES = ("classify", "retrieve", "generate", "escalate")
WAIT_SCALE = 100.0  # buckets per e-fold: each is 1% wide, so a percentile read from them is within 0.5%
WAIT_FLOOR_S = 0.001


@dataclass(frozen=True)
class Privacy:
    """What of the customer's text and the reply the archive keeps."""

    message: Keep = "redact"
    reply: Keep = "keep"
    secrets: tuple[str, ...] = ()


@dataclass
class Rows:
    """One result's rows: the `results` row, its details, its reasons and its model calls."""

    result: dict[str, Any]
    details: dict[str, Any] = field(default_factory=dict)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    usage: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # doc_id -> title of the articles cited


def apply(text: str | None, how: Keep, secrets: tuple[str, ...] = ()) -> str | None:
    """`text` kept, redacted or dropped."""
    if text is None or how == "drop":
        return None
    return redact(text, secrets) if how == "redact" else text


def wait_bucket(seconds: float) -> int:
    """The log-scale bucket of a time to answer (1% wide)."""
    return round(math.log(max(seconds, WAIT_FLOOR_S)) * WAIT_SCALE)


def bucket_value(bucket: int) -> float:
    """The time a bucket stands for (its centre)."""
    return math.exp(bucket / WAIT_SCALE)


def spread(uid: str) -> int:
    """The reply sample's stable pseudo-random order as a number: the first 60 bits of the uid's SHA-1
    (the order the report's sample sorts by, so `ORDER BY spread` picks the same replies)."""
    return int(hashlib.sha1(uid.encode()).hexdigest()[:15], 16)


def cited(citations: list[dict[str, Any]]) -> dict[str, str]:
    """The articles a reply cites, once each: doc id (else title) -> title."""
    out: dict[str, str] = {}
    for c in citations:
        out.setdefault(str(c.get("doc_id") or c.get("title") or "?"), str(c.get("title") or ""))
    return out


def utc(ts: float | None) -> datetime | None:
    """Epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), UTC) if ts else None


def day(ts: float) -> date:
    """The UTC day of epoch seconds."""
    return datetime.fromtimestamp(ts, UTC).date()


def to_rows(stream_id: str, res: dict[str, Any], privacy: Privacy) -> Rows:
    """The rows of result `res`, published as stream entry `stream_id`."""
    t = res.get("ticket") or {}
    uid = f"{t.get('source', 'api')}:{t.get('id', '')}"
    cls = res.get("classification") or {}
    decision = res.get("decision") or {}
    draft = res.get("draft") or {}
    failure = res.get("failure") or {}
    usage = res.get("usage") or []
    timings = res.get("timings") or {}
    chunks = res.get("chunks") or []
    attempts = {k: int(v) for k, v in (res.get("attempts") or {}).items()}
    published = entry_time(stream_id)
    completed = res.get("completed_at")
    enqueued = res.get("enqueued_at")
    wait = max(float(completed) - float(enqueued), 0.0) if completed and enqueued else None
    top = max(chunks, key=lambda c: float(c.get("score") or 0.0)) if chunks else None
    # The reply's model when one was written, else the classifier's: "which model answered this ticket".
    main = next((u for u in usage if u.get("stage") == "generate"), usage[0] if usage else None)
    history = [{"role": h.get("role", ""), "text": apply(h.get("text", ""), privacy.message, privacy.secrets)} for h in t.get("history") or []]
    result = {
        "uid": uid,
        "ticket_id": str(t.get("id", "")),
        "source": t.get("source", "api"),
        "customer_id": t.get("customer_id", "anonymous"),
        "conversation_id": t.get("conversation_id"),
        "run_id": res.get("run_id"),
        "stream_id": stream_id,
        "enqueued_at": utc(enqueued),
        "completed_at": utc(completed),
        "published_at": utc(published),
        "published_day": day(float(completed or published)),  # the report's day: when it was answered, as on the stream
        "intent": cls.get("intent") or "unclassified",
        "urgency": cls.get("urgency"),
        "confidence": cls.get("confidence"),
        "frustrated": cls.get("frustrated"),
        "language": t.get("language"),
        "action": decision.get("action") or "escalate",
        "failure_stage": failure.get("stage"),
        "failure_reason": failure.get("reason"),
        "provider": main.get("provider") if main else None,
        "model": main.get("model") if main else None,
        "input_tokens": sum(int(u.get("input_tokens") or 0) for u in usage),
        "output_tokens": sum(int(u.get("output_tokens") or 0) for u in usage),
        "cost_usd": sum(float(u.get("cost_usd") or 0.0) for u in usage),
        "time_to_answer_s": wait,
        "wait_bucket": wait_bucket(wait) if wait is not None else None,
        **{f"{s}_s": timings.get(s) for s in STAGES},
        "retries": sum(max(n - 1, 0) for n in attempts.values()),
        "top_score": float(top.get("score") or 0.0) if top else None,
        "top_doc_id": top.get("doc_id") if top else None,
        "top_title": top.get("title") if top else None,
        "grounded": draft.get("grounded") if draft else None,
        "spread": spread(uid),
    }
    details = {
        "uid": uid,
        "subject": apply(t.get("subject", ""), privacy.message, privacy.secrets),
        "message": apply(t.get("message"), privacy.message, privacy.secrets),
        "history": history or None,
        "reply": apply(res.get("reply"), privacy.reply, privacy.secrets),
        "citations": [{k: c.get(k, "") for k in ("doc_id", "title", "section")} for c in draft.get("citations") or []],
        "chunks": [{"doc_id": c.get("doc_id", ""), "title": c.get("title", ""), "section": c.get("section", ""), "score": c.get("score", 0.0)} for c in chunks],
        "attempts": attempts,
        "failure_error": apply(failure.get("error"), "redact", privacy.secrets),
    }
    copied = {k: result[k] for k in ("published_at", "published_day", "intent", "action", "run_id")}
    reasons = [{"uid": uid, "reason": r, **copied} for r in dict.fromkeys(decision.get("reasons") or [])]
    calls = [
        {
            "uid": uid,
            "position": i,
            "stage": u.get("stage", ""),
            "provider": u.get("provider", ""),
            "model": u.get("model", ""),
            **{f"{k}_tokens": int(u.get(f"{k}_tokens") or 0) for k in ("input", "output", "cache_read", "cache_write")},
            "cost_usd": float(u.get("cost_usd") or 0.0),
        }
        for i, u in enumerate(usage)
    ]
    refs = cited(draft.get("citations") or [])
    citing = [{"uid": uid, "doc_id": doc[:200], "position": i, **copied} for i, doc in enumerate(refs)]
    return Rows(result=result, details=details, reasons=reasons, usage=calls, citations=citing, titles={doc[:200]: t[:500] for doc, t in refs.items()})


def to_result(row: dict[str, Any], reasons: list[str]) -> dict[str, Any]:
    """A `results` row joined with its details, read back as a result dict, in the shape the review page and the report read (what was kept)."""
    ts = (lambda d: d.timestamp() if d else None)  # noqa: E731
    return {
        "ticket": {
            "id": row["ticket_id"], "source": row["source"], "customer_id": row["customer_id"], "conversation_id": row["conversation_id"],
            "subject": row["subject"] or "", "message": row["message"] or "", "language": row["language"], "history": row["history"] or [],
        },
        "run_id": row["run_id"],
        "classification": None if row["intent"] == "unclassified" else {
            "intent": row["intent"], "urgency": row["urgency"], "confidence": row["confidence"], "frustrated": row["frustrated"],
        },
        "chunks": row["chunks"] or [],
        "draft": {"citations": row["citations"] or [], "grounded": row["grounded"]} if row["grounded"] is not None or row["citations"] else None,
        "decision": {"action": row["action"], "reasons": reasons},
        "reply": row["reply"],
        "failure": {"stage": row["failure_stage"], "reason": row["failure_reason"], "error": row["failure_error"]} if row["failure_stage"] else None,
        "enqueued_at": ts(_aware(row["enqueued_at"])),
        "completed_at": ts(_aware(row["completed_at"])),
    }


def _aware(d: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes (stored as UTC text); PostgreSQL aware ones.
    return d.replace(tzinfo=UTC) if d is not None and d.tzinfo is None else d
