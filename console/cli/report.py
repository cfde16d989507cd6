"""`ticketflow report`: resolution, escalation, cost, time to answer, reviewed accuracy and knowledge gaps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer


def print_report(rep: dict[str, Any]) -> None:
    """The report as tables on the terminal."""
    from rich.console import Console
    from rich.table import Table

    def pct(v: float | None) -> str:
        return "–" if v is None else f"{v:.1%}"

    def usd(v: float | None) -> str:
        return "–" if v is None else f"${v:.4f}"

    con = Console()
    con.print(
        f"[b]{rep['volume']}[/b] tickets  resolution {pct(rep['resolution_rate'])}  escalation {pct(rep['escalation_rate'])}  "
        f"reopened {rep['reopened']}  cost/resolved {usd(rep['cost_per_resolved_usd'])}  "
        f"answer p50 {rep['time_to_answer_s']['p50']:.2f}s p95 {rep['time_to_answer_s']['p95']:.2f}s  "
        f"reviewed {rep['reviewed']} accuracy {pct(rep['reviewed_accuracy'])}"
    )
    for title, key, groups in (("by intent", "intent", rep["by_intent"]), ("by day (UTC)", "day", rep["by_day"])):
        t = Table(title=title)
        for col in (key, "volume", "resolution", "escalation", "reopened", "cost/resolved", "p50 s", "p95 s", "accuracy"):
            t.add_column(col, justify="left" if col == key else "right")
        for k, g in groups.items():
            t.add_row(
                k, str(g["volume"]), pct(g["resolution_rate"]), pct(g["escalation_rate"]), str(g["reopened"]), usd(g["cost_per_resolved_usd"]),
                f"{g['time_to_answer_s']['p50']:.2f}", f"{g['time_to_answer_s']['p95']:.2f}", pct(g["reviewed_accuracy"]),
            )
        con.print(t)
    reasons = Table(title="escalation reasons")
    reasons.add_column("reason")
    reasons.add_column("tickets", justify="right")
    reasons.add_column("share of all", justify="right")
    for reason, v in rep["escalation_by_reason"].items():
        reasons.add_row(reason, str(v["tickets"]), pct(v["rate"]))
    con.print(reasons)
    gaps = Table(title="top knowledge gaps")
    for col in ("topic", "tickets", "why", "example"):
        gaps.add_column(col, justify="right" if col == "tickets" else "left")
    for g in rep["knowledge_gaps"]:
        gaps.add_row(g["topic"], str(g["volume"]), ", ".join(g["signals"]), (g["examples"][0][:70] if g["examples"] else ""))
    con.print(gaps)


def register(app: typer.Typer) -> None:
    """Attach `report`."""

    @app.command()
    def report(
        since: Annotated[str | None, typer.Option(envvar="TICKETFLOW_REPORT_SINCE", help="ISO date/time (UTC) or an age like 24h, 7d.")] = None,
        json_path: Annotated[Path | None, typer.Option("--json", help="Write the report as JSON here.")] = None,
        html_path: Annotated[Path | None, typer.Option("--html", help="Write the report as an HTML page with charts here.")] = None,
        run: Annotated[str | None, typer.Option("--run", help="Only the results of one run id (e.g. a demo run).")] = None,
        low_score: Annotated[float | None, typer.Option(help="Retrieval score under which an escalated answer counts as a knowledge gap (default: the 10th percentile of sent replies).")] = None,
        top_gaps: Annotated[int, typer.Option(min=1, help="How many knowledge gaps to list.")] = 10,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No tables on the terminal.")] = False,
    ) -> None:
        """Read the results stream, the reviews and the reopens; print the report and write JSON/HTML."""
        from console.report import build_report, load_results, parse_since
        from console.report_html import render_html
        from worker import clock
        from worker.errors import ConfigError
        from worker.runtime import get_redis
        from worker.settings import load_settings
        from worker.state import outcomes

        now = clock.now()
        try:
            settings = load_settings()
            start = parse_since(since, now=now) if since else None
        except (ConfigError, ValueError) as exc:
            typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from exc
        r = get_redis()
        entries = load_results(r, settings.results_stream, since=start, run_id=run)
        rep = build_report(
            entries, reviews=outcomes.reviews(r), reopened=set(outcomes.reopened(r)), low_score=low_score, top_gaps=top_gaps, since=start, run_id=run, now=now
        )
        if not quiet:
            print_report(rep)
        if json_path:
            json_path.parent.mkdir(parents=True, exist_ok=True)
            json_path.write_text(json.dumps(rep, indent=2, ensure_ascii=False))
        if html_path:
            html_path.parent.mkdir(parents=True, exist_ok=True)
            html_path.write_text(render_html(rep), encoding="utf-8")
