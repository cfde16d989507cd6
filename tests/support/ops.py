"""Results as the pipeline publishes them, for the operations tests."""

from __future__ import annotations

import redis

from worker.models import Chunk, Citation, Classification, Decision, Draft, Failure, Ticket, TicketResult, Usage
from worker.sinks.results import ResultsStream


def result(
    tid: str,
    *,
    intent: str = "faq",
    action: str = "auto_reply",
    reasons: list[str] | None = None,
    message: str = "How do I export my projects to CSV?",
    subject: str = "export",
    score: float = 20.0,
    cost: float = 0.001,
    enqueued_at: float = 1_700_000_000.0,
    wait_s: float = 2.0,
    source: str = "api",
    attempts: dict[str, int] | None = None,
    failure: Failure | None = None,
) -> TicketResult:
    """A finished ticket: classified, retrieved, drafted and decided."""
    chunks = [Chunk(doc_id="export-data", title="Export your data", section="CSV", text="Open Settings > Export.", score=score)] if score else []
    draft = Draft(text="Open Settings > Export and pick CSV.", citations=[Citation(doc_id="export-data", title="Export your data", section="CSV")]) if chunks else None
    return TicketResult(
        ticket=Ticket(id=tid, source=source, customer_id=f"c-{tid}", subject=subject, message=message),
        classification=Classification(intent=intent),  # type: ignore[arg-type]
        chunks=chunks,
        draft=draft,
        decision=Decision(action=action, reasons=reasons or []),  # type: ignore[arg-type]
        reply=draft.text if draft and action != "escalate" else "A specialist will follow up.",
        timings={"classify": 0.002, "retrieve": 0.02, "generate": 0.3, "escalate": 0.001},
        usage=[
            Usage(stage="classify", provider="anthropic", model="claude-haiku-4-5", input_tokens=300, output_tokens=20, cost_usd=cost / 4),
            Usage(stage="generate", provider="anthropic", model="claude-sonnet-4-5", input_tokens=900, output_tokens=120, cache_read_tokens=800, cost_usd=cost * 3 / 4),
        ],
        attempts=attempts or {"classify": 1, "retrieve": 1, "generate": 1, "escalate": 1},
        failure=failure,
        enqueued_at=enqueued_at,
        completed_at=enqueued_at + wait_s,
    )


def publish(r: redis.Redis, *results: TicketResult) -> list[str | None]:
    """Publish through the real results stream (once-only Lua included)."""
    stream = ResultsStream(r)
    return [stream.publish(res) for res in results]
