"""What operators hear from every process: the start-up line and one line per finished ticket.

Both go through the logging set up by worker/logs.py (JSON or text, redacted): the message reads as
a sentence, and the same facts ride along as fields (`broker`, `redis`, `provider`, `help_centre`,
`index_version`; `intent`, `action`, `reasons`, `ms`) for a log search.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from worker.logs import redact
from worker.models import TicketResult
from worker.settings import Settings

log = logging.getLogger("ticketflow.ops")


def _stage_models(settings: Settings) -> str:
    """`classify provider/model, generate provider/model`, as configured."""
    models = {"anthropic": (settings.anthropic_classify_model, settings.anthropic_generate_model),
              "openai": (settings.openai_classify_model, settings.openai_generate_model)}
    parts = []
    for i, stage in enumerate(("classify", "generate")):
        kind = (settings.classify_provider if stage == "classify" else settings.generate_provider) or settings.provider
        parts.append(f"{stage} {kind}" + (f"/{models[kind][i]}" if kind in models else ""))
    return ", ".join(parts)


def help_centre(settings: Settings) -> dict[str, Any]:
    """The help centre served and its index version (the source fingerprint it was built from), read from the index file's metadata only."""
    from worker.retrieval.freshness import encoder_kind, index_path, read_meta

    source = settings.retrieval_source or settings.corpus_dir
    kind = encoder_kind(settings)
    path = index_path(source, settings.index_dir, kind)
    try:
        meta = read_meta(path)
    except Exception:  # missing, unreadable or of another format: the worker builds it; say so
        return {"help_centre": str(source), "index_version": "not built yet", "index_built": None, "index": str(path)}
    built = datetime.fromtimestamp(float(meta.get("built_at") or 0), UTC).isoformat(timespec="seconds")
    version = str(meta.get("source_fingerprint") or "")[:12] or "unknown"
    return {"help_centre": str(source), "index_version": version, "index_built": built, "index_encoder": meta.get("encoder", kind), "index": str(path)}


def startup_facts(settings: Settings) -> dict[str, Any]:
    """Broker, Redis, provider and help centre of this process, passwords masked."""
    return {
        "broker": redact(str(getattr(settings, "broker_url", None) or settings.redis_url)),
        "redis": redact(settings.redis_url),
        "provider": _stage_models(settings),
        **help_centre(settings),
    }


def log_startup(what: str, settings: Settings, **more: Any) -> dict[str, Any]:
    """One line naming everything this process talks to; returns the facts."""
    facts = {**startup_facts(settings), **more}
    extra = "".join(f", {k} {v}" for k, v in more.items())
    built = f", built {facts['index_built']}" if facts.get("index_built") else ""
    log.info("%s: broker %s, Redis %s, provider %s, help centre %s (index %s%s)%s", what, facts["broker"], facts["redis"], facts["provider"],
             facts["help_centre"], facts["index_version"], built, extra, extra={"event": "startup", **facts})
    return facts


def finished_fields(state: TicketResult) -> dict[str, Any]:
    """The facts of one finished ticket: id, intent, action, reasons and milliseconds from enqueue to result."""
    ms = None
    if state.completed_at and state.enqueued_at:
        ms = round(max(state.completed_at - state.enqueued_at, 0.0) * 1000, 1)
    return {
        "ticket_id": state.ticket.uid,
        "intent": state.classification.intent if state.classification else None,
        "action": state.decision.action if state.decision else None,
        "reasons": ",".join(state.decision.reasons) if state.decision else "",
        "ms": ms,
    }


def log_finished(state: TicketResult) -> None:
    """One line per finished ticket (built only when INFO is on: it runs for every ticket)."""
    if not log.isEnabledFor(logging.INFO):
        return
    f = finished_fields(state)
    log.info("ticket %s done: %s -> %s%s in %s ms", f["ticket_id"], f["intent"] or "unclassified", f["action"],
             f" ({f['reasons']})" if f["reasons"] else "", "?" if f["ms"] is None else f"{f['ms']:.0f}", extra={"event": "ticket_done", **f})
