"""Where a ticket is, read from Redis: accepted (queued), the last stage it finished, or done with its result.

Live progress comes from the per-ticket stream of `worker.sinks.progress`, which workers append to:
`{"type": "stage", "stage": "classify"}` when a stage finishes and `{"type": "delta", "text": "..."}`
while a provider streams the reply. Without it a ticket shows as queued until its result is published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

import redis

from worker import keys
from worker.settings import Settings
from worker.sinks import progress


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


@dataclass(frozen=True)
class TicketStatus:
    """A ticket's place in the pipeline."""

    uid: str
    status: str  # unknown | queued | in_progress | done
    stage: str | None = None  # the last stage that finished
    result: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Everything, the whole result included: for code inside the pipeline, never for an API caller."""
        return {"uid": self.uid, "status": self.status, "stage": self.stage, "result": self.result}


def public_view(st: TicketStatus) -> dict[str, Any]:
    """What GET /v1/tickets/{id} shows: where the ticket is and, once done, the decision, reply, citations, failure.

    Nothing else of the result: its ticket carries the customer's earlier turns (metadata
    `customer_turns`), which stay inside the pipeline; anyone who can post a ticket under some
    `customer_id` must not read that customer's history back.
    """
    res = st.result or {}
    decision = res.get("decision") or None
    failure = res.get("failure") or None
    return {
        "uid": st.uid,
        "status": st.status,
        "stage": st.stage,
        "decision": {"action": decision.get("action"), "reasons": list(decision.get("reasons") or [])} if decision else None,
        "reply": res.get("reply"),
        "citations": [{k: c.get(k, "") for k in ("doc_id", "title", "section")} for c in ((res.get("draft") or {}).get("citations") or [])],
        # Which stage gave up and why (automation_failed, ...): the error text stays in the dead-letter view.
        "failure": {"stage": failure.get("stage"), "reason": failure.get("reason")} if failure else None,
    }


def read_events(r: redis.Redis, source: str, ticket_id: str, *, after: str = "0-0", count: int = 500) -> list[tuple[str, dict[str, str]]]:
    """Progress events of ticket `source:ticket_id` after entry `after`, oldest first."""
    return progress.read(r, f"{source}:{ticket_id}", after=after, count=count)


def status_of(r: redis.Redis, source: str, ticket_id: str, *, stream: str = keys.RESULTS_STREAM) -> TicketStatus:
    """Done (with the result) once published; queued or in progress once accepted; otherwise unknown."""
    uid = f"{source}:{ticket_id}"
    entry = r.get(keys.published_key(uid))
    if entry is not None and _text(entry) != "pending":
        rows = cast(list[Any], r.xrange(stream, min=_text(entry), max=_text(entry)))
        if rows:
            data = rows[0][1]
            raw = data.get(b"json") or data.get("json")
            return TicketStatus(uid, "done", "escalate", json.loads(raw) if raw else None)
        return TicketStatus(uid, "done", "escalate", None)  # trimmed from the stream since
    if entry is None and not r.exists(keys.dedupe_key(source, ticket_id)):
        return TicketStatus(uid, "unknown")
    stages = [ev.get("stage") for _, ev in read_events(r, source, ticket_id) if ev.get("type") == "stage"]
    return TicketStatus(uid, "in_progress" if stages or entry is not None else "queued", stages[-1] if stages else None)


def index_check(settings: Settings) -> str:
    """"ok" when the help centre is there and any built index is newer than every article, else why not."""
    corpus = settings.corpus_dir
    if not corpus.is_dir():
        return f"no help-centre folder at {corpus}"
    docs = [p for p in corpus.rglob("*") if p.is_file()]
    if not docs:
        return f"the help-centre folder {corpus} is empty"
    index = settings.index_dir
    if index.is_dir():
        built = [p.stat().st_mtime for p in index.rglob("*") if p.is_file()]
        newest_doc = max(p.stat().st_mtime for p in docs)
        if built and max(built) < newest_doc:
            return "stale: an article changed after the index was built"
    return "ok"
