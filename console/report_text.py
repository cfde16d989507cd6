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


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.1%}"


def _usd(v: float | None) -> str:
    return "–" if v is None else f"${v:.4f}"


def _accuracy(g: dict[str, Any]) -> str:
    return "–" if g["reviewed_accuracy"] is None else f"{g['reviewed_accuracy']:.0%} ({g['reviewed']})"


def _groups_table(title: str, key: str, groups: dict[str, dict[str, Any]]) -> Table:
    """Outcomes per group in eight narrow columns: fits 80 columns without cutting a header."""
    t = Table(title=title, box=None, padding=(0, 1), header_style="bold", title_justify="left")
    for col in (key, "tickets", "resolved", "escal.", "reopen", "$/resolv", "p50 s", "accuracy"):
        t.add_column(col, justify="left" if col == key else "right", no_wrap=True)
    for k, g in groups.items():
        t.add_row(k[:12], str(g["volume"]), _pct(g["resolution_rate"]), _pct(g["escalation_rate"]), str(g["reopened"]),
                  _usd(g["cost_per_resolved_usd"]), f"{g['time_to_answer_s']['p50']:.1f}", _accuracy(g))
    return t


def print_report(rep: dict[str, Any], console: Console | None = None) -> None:
    """The report on a terminal of 80 columns or more: figures, the answers' quality, gaps, thresholds."""
    con = console or Console()
    rv = rep.get("review") or {}
    ci = rv.get("ci95")
    con.print(
        f"[b]{rep['volume']}[/b] tickets: resolution rate {_pct(rep['resolution_rate'])}, escalation rate {_pct(rep['escalation_rate'])}, "
        f"reopened {rep['reopened']}, cost per resolved ticket {_usd(rep['cost_per_resolved_usd'])}, "
        f"time to answer p50 {rep['time_to_answer_s']['p50']:.2f} s, p95 {rep['time_to_answer_s']['p95']:.2f} s"
    )
    if rv.get("reviewed") and ci is not None:
        con.print(f"Reviewed accuracy {_pct(rv['accuracy'])}: {rv['correct']} of {rv['reviewed']} reviewed auto-replies right "
                  f"(95% interval {_pct(ci[0])}–{_pct(ci[1])}); {rv['auto_replied'] - rv['reviewed']} of {rv['auto_replied']} auto-replies not reviewed yet.")
    else:
        con.print(f"Reviewed accuracy: – (none of the {rv.get('auto_replied', 0)} auto-replies reviewed yet; grade a sample at /review).")
    con.print()
    con.print(_groups_table("By intent", "intent", rep["by_intent"]))
    con.print()
    con.print(_groups_table("By day (UTC)", "day", rep["by_day"]))
    con.print()
    reasons = Table(title="Escalation reasons", box=None, padding=(0, 1), header_style="bold", title_justify="left")
    reasons.add_column("reason")
    reasons.add_column("tickets", justify="right")
    reasons.add_column("share of all", justify="right")
    for reason, v in rep["escalation_by_reason"].items():
        reasons.add_row(reason, str(v["tickets"]), _pct(v["rate"]))
    con.print(reasons)
    con.print()
    con.print("[b]Sample of auto-replies[/b] (reviewed first, then a fixed spread of the rest)")
    if not rep.get("reply_sample"):
        con.print("  no auto-replies in this period")
    for x in rep.get("reply_sample") or []:
        verdict = x["verdict"] or "not reviewed"
        score = "–" if x["top_score"] is None else f"{x['top_score']:.2f}"
        con.print(f"  [b]{x['ticket']}[/b] {x['intent']} · best match {score} · [i]{verdict}[/i]{' — ' + x['note'] if x['note'] else ''}")
        con.print(f"    Q: {x['question'][:150]}", overflow="fold")
        con.print(f"    A: {x['reply'][:220]}", overflow="fold")
        cites = "; ".join(c["title"] + (f" › {c['section']}" if c["section"] else "") for c in x["citations"]) or "none"
        con.print(f"    cites: {cites}", overflow="fold")
    cit = rep.get("citations") or {}
    con.print()
    con.print(f"[b]Articles cited[/b] by {cit.get('replies_with_citations', 0)} auto-replies: {cit.get('articles_cited', 0)} articles"
              + (f" of {cit['articles_known']} ({cit['never_cited']} never)" if cit.get("articles_known") is not None else ""))
    for label, rows in (("most", cit.get("most") or []), ("least", cit.get("least") or [])):
        con.print(f"  {label}: " + ("; ".join(f"{r['title']} ({r['replies']})" for r in rows) or "–"), overflow="fold")
    con.print()
    con.print("[b]Knowledge gaps[/b] (questions the help centre did not answer, one topic a cluster, largest first)")
    if not rep["knowledge_gaps"]:
        con.print("  none in this period")
    for g in rep["knowledge_gaps"]:
        why = ", ".join(f"{k} {v}" for k, v in g["signals"].items())
        con.print(f"  [b]{g['topic']}[/b]: {g['volume']} ticket{'s' if g['volume'] != 1 else ''} ({why})", overflow="fold")
        for q in g.get("quotes") or [{"ticket": "", "text": e} for e in g["examples"]]:
            con.print(f"    {q['ticket']} “{q['text'][:140]}”", overflow="fold")
    con.print()
    con.print("[b]Thresholds[/b]")
    for t in rep.get("thresholds") or []:
        con.print(f"  {t['name']} = {t['value']}: {t['meaning']}", overflow="fold")
