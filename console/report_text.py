"""Printing a run summary for people."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from console.summary import duration, per


def print_summary(s: dict[str, Any]) -> None:
    """The demo's summary as tables (every figure with its unit, "–" where there is no data)."""
    con = Console()
    if s.get("redis"):
        con.print(f"Redis: {s['redis']}")
    t = Table(title=f"demo run {s.get('run_id', '')}: results by intent")
    t.add_column("intent")
    for col in ("count", "auto_reply", "draft", "escalate"):
        t.add_column(col, justify="right")
    for intent, c in s["by_intent"].items():
        t.add_row(intent, *(str(c.get(k, 0)) for k in ("count", "auto_reply", "draft", "escalate")))
    con.print(t)
    r = Table(title="escalation reasons")
    r.add_column("reason")
    r.add_column("tickets", justify="right")
    for reason, n in s["escalation_reasons"].items():
        r.add_row(reason, str(n))
    con.print(r)
    lat = Table(title="latency")
    lat.add_column("stage")
    lat.add_column("p50", justify="right")
    lat.add_column("p95", justify="right")
    for stage, v in s["stage_latency_s"].items():
        lat.add_row(stage, duration(v["p50"]), duration(v["p95"]))
    lat.add_row("end to end", duration(s["end_to_end_s"]["p50"]), duration(s["end_to_end_s"]["p95"]))
    con.print(lat)
    con.print(
        f"enqueued {s['enqueued']}  completed {s['completed']}  lost {s['lost']}  "
        f"auto-replied {s['auto_replied']}  drafted {s.get('drafted', 0)}  escalated {s['escalated']}\n"
        f"resolution rate {per(s['resolution_rate'], '{:.1%}')}  escalation rate {per(s['escalation_rate'], '{:.1%}')}  "
        f"{per(s['tickets_per_s'], '{:.1f}')} tickets/s over {s['wall_s']:.1f} s\n"
        f"model cost ${s.get('cost_usd', 0.0):.4f}: {per(s.get('cost_per_ticket_usd'), '${:.5f}')} per ticket, "
        f"{per(s.get('cost_per_resolved_usd'), '${:.5f}')} per resolved ticket"
    )
