"""`ticketflow eval`: measure classification, escalation, resolution and retrieval on labelled tickets."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from worker.errors import ConfigError, TicketInvalid


def _fail(msg: str, code: int = 2) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _print_report(m: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"eval over {m['n']} tickets")
    t.add_column("metric")
    t.add_column("value", justify="right")
    t.add_column("over", justify="right")
    from console.summary import per

    fmt = lambda v: per(v, "{:.3f}")  # noqa: E731
    t.add_row("intent accuracy", fmt(m["intent_accuracy"]), str(m["intent_labelled"]))
    t.add_row("must-escalate recall", fmt(m["must_escalate_recall"]), str(m["must_escalate_n"]))
    t.add_row("false-escalation rate", fmt(m["false_escalation_rate"]), str(m["must_not_escalate_n"]))
    if m["must_not_in_language_n"] != m["must_not_escalate_n"]:  # some answers exist only in another language
        t.add_row("  where the answer is in their language", fmt(m["false_escalation_rate_in_language"]), str(m["must_not_in_language_n"]))
    t.add_row("auto-resolution rate", fmt(m["auto_resolution_rate"]), str(m["n"]))
    t.add_row("retrieval hit@3", fmt(m["retrieval_hit_at_3"]), str(m["retrieval_gold_n"]))
    t.add_row("in-scope answered", fmt(m["in_scope_answered_rate"]), str(m["in_scope_n"]))
    t.add_row("right article cited", fmt(m["right_article_rate"]), str(m["answered_with_gold_n"]))
    t.add_row("answer-span recall", fmt(m["span_recall"]), str(m["span_recall_n"]))
    t.add_row("out-of-scope answered", fmt(m["out_of_scope_answered_rate"]), str(m["out_of_scope_n"]))
    t.add_row("cost per ticket (USD)", per(m["cost_per_ticket_usd"], "{:.6f}"), str(m["n"]))
    t.add_row("cost per resolved (USD)", per(m["cost_per_resolved_usd"], "{:.6f}"), str(m["resolved"]))
    t.add_row("classify p50 / p95 (ms)", f"{m['classify_ms_p50']:.3f} / {m['classify_ms_p95']:.3f}", "")
    if m.get("retrieve_ms_p50") is not None:
        t.add_row("retrieve p50 / p95 (ms)", f"{m['retrieve_ms_p50']:.3f} / {m['retrieve_ms_p95']:.3f}", "")
    con.print(t)
    preds = sorted({p for row in m["confusion"].values() for p in row})
    c = Table(title="confusion (rows: gold intent, columns: predicted)")
    c.add_column("gold")
    for p in preds:
        c.add_column(p, justify="right")
    for gold, row in m["confusion"].items():
        c.add_row(gold, *(str(row.get(p, 0)) for p in preds))
    con.print(c)
    r = Table(title="escalation reasons")
    r.add_column("reason")
    r.add_column("tickets", justify="right")
    r.add_column("of them false", justify="right")  # tickets labelled must-not-escalate that still went to a person
    false = m.get("false_escalation_reasons", {})
    for reason, n in m["escalation_reasons"].items():
        r.add_row(reason, str(n), str(false.get(reason, 0)))
    con.print(r)


def register(app: typer.Typer) -> None:
    """Attach `eval`."""

    @app.command("eval")
    def eval_cmd(
        tickets: Annotated[Path, typer.Option("--tickets", exists=True, dir_okay=False, envvar="TICKETFLOW_EVAL_TICKETS", help="Labelled tickets (JSONL).")],
        docs: Annotated[Path | None, typer.Option("--docs", exists=True, envvar="TICKETFLOW_EVAL_DOCS", help="Help centre to retrieve from: a folder of Markdown, or JSONL of {doc_id, title, text} (default: the configured corpus).")] = None,
        json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here as JSON.")] = None,
        out: Annotated[Path | None, typer.Option("--out", help="Write one decision per ticket here (JSONL).")] = None,
        out_of_scope: Annotated[bool, typer.Option("--out-of-scope", help="The tickets are from another domain than --docs: count every row as out of scope.")] = False,
    ) -> None:
        """Run the stage code in-process over labelled TICKETS and report how good the decisions are."""
        from console.evaluate import docs_folder, load_labelled, metrics, run_eval
        from worker.providers import build_provider
        from worker.retrieval.retriever import build_retriever
        from worker.settings import load_settings
        from worker.stages.escalate import policy_from

        with tempfile.TemporaryDirectory(prefix="ticketflow-eval-") as tmp:
            try:
                settings = load_settings()
                rows = load_labelled(tickets, out_of_scope=out_of_scope)
                provider = build_provider(settings)
                corpus = docs_folder(docs, Path(tmp)) if docs else settings.corpus_dir
            except (ConfigError, TicketInvalid) as exc:
                _fail(str(exc))
            retriever = build_retriever(corpus)
            outcomes = run_eval(rows, provider=provider, retriever=retriever, k=settings.retrieval_top_k, policy=policy_from(settings))
        m = metrics(outcomes)
        _print_report(m)
        if json_path:
            json_path.write_text(json.dumps(m, indent=2))
        if out:
            with out.open("w", encoding="utf-8") as fh:
                for o in outcomes:
                    fh.write(json.dumps(o.record(), ensure_ascii=False) + "\n")
