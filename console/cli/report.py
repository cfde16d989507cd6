"""`ticketflow report`: resolution, escalation, cost, time to answer, reviewed accuracy and knowledge gaps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer


def help_centre_articles(settings: Any) -> list[tuple[str, str]] | None:
    """(doc_id, title) of the configured help centre's articles, None when it cannot be read."""
    from worker.errors import ConfigError
    from worker.retrieval.sources import load_articles

    try:
        return [(a.doc_id, a.title) for a in load_articles(settings.retrieval_source or settings.corpus_dir)]
    except (ConfigError, OSError):
        return None


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
        """Read the archive (TICKETFLOW_DATABASE_URL) or else the results stream, with reviews and reopens; print the report and write JSON/HTML."""
        from console.report import build_report, load_results, parse_since
        from console.report_archive import build_archive_report
        from console.report_html import render_html
        from console.report_text import print_report
        from worker import clock
        from worker.archive.schema import archive_engine
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
        engine = archive_engine(settings, serial=True)
        policy = {k: float(getattr(settings, k)) for k in ("retrieval_min_score", "retrieval_bug_min_score", "retrieval_uncovered_max")}
        if engine is not None:  # the archive holds the whole history; the stream only a window of it
            rep = build_archive_report(
                engine, low_score=low_score, top_gaps=top_gaps, since=start, run_id=run, now=now, policy=policy, articles=help_centre_articles(settings),
            )
        else:
            r = get_redis()
            entries = load_results(r, settings.results_stream, since=start, run_id=run)
            rep = build_report(
                entries, reviews=outcomes.reviews(r), reopened=set(outcomes.reopened(r)), low_score=low_score, top_gaps=top_gaps, since=start, run_id=run, now=now,
                articles=help_centre_articles(settings), policy=policy,
            )
        if not quiet:
            print_report(rep)
        if json_path:
            json_path.parent.mkdir(parents=True, exist_ok=True)
            json_path.write_text(json.dumps(rep, indent=2, ensure_ascii=False))
        if html_path:
            html_path.parent.mkdir(parents=True, exist_ok=True)
            html_path.write_text(render_html(rep), encoding="utf-8")
