"""Retrieval commands: `index build|sync|status`, `eval-retrieval`, `bench-retrieval`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from worker.errors import ConfigError, ProviderError, TicketInvalid


def _fail(msg: str, code: int = 2) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)

def _write_json(path: Path | None, data: dict[str, Any]) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

def _metrics_table(report: dict[str, Any], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title)
    for col in ("ranking", "hit@1", "hit@3", "MRR@10", "ms/query"):
        t.add_column(col, justify="left" if col == "ranking" else "right")
    for name in ("hybrid", "lexical_only", "dense_only", "bm25_baseline"):
        m = report[name]
        t.add_row(name, f"{m['hit_at_1']:.3f}", f"{m['hit_at_3']:.3f}", f"{m['mrr_at_10']:.3f}", f"{m['ms_per_query']:.2f}")
    Console().print(t)

def register(app: typer.Typer) -> None:
    """Attach `index`, `eval-retrieval` and `bench-retrieval`."""
    index_app = typer.Typer(no_args_is_help=True, help="Build and inspect the help-centre index.")
    app.add_typer(index_app, name="index")

    @index_app.command("build")
    def build_cmd(
        source: Annotated[Path, typer.Argument(exists=True, help="Folder of Markdown/HTML articles, or a JSONL of {doc_id, title, text}.")],
        index_dir: Annotated[Path | None, typer.Option("--index-dir", envvar="TICKETFLOW_INDEX_DIR", help="Where index files live.")] = None,
        embeddings: Annotated[Literal["local", "openai"] | None, typer.Option("--embeddings", help="The encoder (default: TICKETFLOW_RETRIEVAL_EMBEDDINGS).")] = None,
        refit: Annotated[bool, typer.Option("--refit", help="Fit the local encoder afresh (re-embeds every chunk).")] = False,
        json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    ) -> None:
        """Index SOURCE; a rebuild re-embeds only new or changed chunks and drops deleted ones."""
        from worker.retrieval.retriever import provider_encoder, sync_index
        from worker.settings import load_settings

        try:
            overrides: dict[str, Any] = {"retrieval_embeddings": embeddings} if embeddings else {}
            settings = load_settings(**overrides)
            index, report, path, _fresh = sync_index(source, index_dir or settings.index_dir, encoder=provider_encoder(settings), refit=refit)
        except (ConfigError, ProviderError) as exc:
            _fail(str(exc))
        out: dict[str, Any] = {"index": str(path), "chunks": len(index.passages), "encoder": index.encoder.kind, "languages": index.languages}
        out.update(report.as_dict() if report else {"embedded": 0, "reused": len(index.passages), "dropped": 0, "up_to_date": True})
        if json_out:
            typer.echo(json.dumps(out))
            return
        if report is None:
            typer.echo(f"{path}: up to date ({len(index.passages)} chunks)")
            return
        typer.echo(f"{path}: {report.chunks} chunks; embedded {report.embedded} (new or changed), reused {report.reused}, dropped {report.dropped}"
                   f"{'; encoder refitted' if report.refit else ''} in {report.seconds:.2f}s")
        for label, docs in (("added", report.articles_added), ("changed", report.articles_changed), ("removed", report.articles_removed)):
            if docs:
                typer.echo(f"  articles {label} ({len(docs)}): {', '.join(docs[:20])}{' ...' if len(docs) > 20 else ''}")

    @index_app.command("sync")
    def sync_cmd(
        source: Annotated[str, typer.Argument(help="zendesk, intercom, or a folder / JSONL to publish to the cluster.")],
        every: Annotated[str | None, typer.Option("--every", envvar="TICKETFLOW_INDEX_SYNC_EVERY", help="Sync on this schedule (30s, 15m, 1h).")] = None,
        once: Annotated[bool, typer.Option("--once", help="With --every: one pass, then exit.")] = False,
        full: Annotated[bool, typer.Option("--full", help="Zendesk: list every article (finds deleted ones) instead of the incremental export.")] = False,
        json_out: Annotated[bool, typer.Option("--json", help="Print each report as JSON.")] = False,
    ) -> None:
        """Sync the help centre from its helpdesk and publish it as the cluster's next index version."""
        from console.index_sync import run_sync

        try:
            failed = run_sync(source, every=every, once=once, full=full, echo=typer.echo, as_json=json_out)
        except ConfigError as exc:
            _fail(str(exc))
        if failed:
            raise typer.Exit(1)

    @index_app.command("status")
    def status_cmd(
        source: Annotated[Path | None, typer.Argument(help="Help centre (default: the configured one).")] = None,
    ) -> None:
        """Whether the index matches its help centre (or, with TICKETFLOW_INDEX_STORE, the cluster's version,
        its age, articles per locale and which workers serve it); exit 1 when it is missing, stale or failing."""
        from worker.retrieval.freshness import index_check, index_path
        from worker.settings import load_settings

        try:
            s = load_settings(**({"retrieval_source": source} if source else {}))
        except ConfigError as exc:
            _fail(str(exc))
        if s.index_store:
            from console.index_sync import cluster_status

            ok = cluster_status(s, typer.echo)
            if not ok:
                raise typer.Exit(1)
            return
        src = s.retrieval_source or s.corpus_dir
        kind = "local-lsa" if s.retrieval_embeddings == "local" else f"openai:{s.openai_embedding_model}"
        check = index_check(s)
        status = "fresh" if check == "ok" else check.split(":", 1)[0]
        typer.echo(json.dumps({"source": str(src), "index": str(index_path(src, s.index_dir, kind)), "status": status, "detail": check}))
        if status != "fresh":
            raise typer.Exit(1)

    @app.command("eval-retrieval")
    def eval_retrieval(
        docs: Annotated[Path, typer.Option("--docs", exists=True, help="Help centre: folder of articles or JSONL of {doc_id, title, text}.")],
        questions: Annotated[Path, typer.Option("--questions", exists=True, dir_okay=False, help="JSONL of {qid, question, gold_doc_id}.")],
        json_path: Annotated[Path | None, typer.Option("--json", help="Write the report here as JSON.")] = None,
        calibrate_on: Annotated[Path | None, typer.Option("--calibrate", exists=True, dir_okay=False,
                                                          help="Labelled tickets (JSONL): fit the answerability model and threshold on them and QUESTIONS.")] = None,
        negatives: Annotated[Path | None, typer.Option("--negatives", exists=True, dir_okay=False,
                                                       help="With --calibrate: tickets of other products (JSONL), none of which DOCS answers.")] = None,
        centres: Annotated[Path | None, typer.Option("--centres", exists=True, file_okay=False,
                                                     help="With --calibrate: a folder of training help centres (corpus/train) to fit on beside DOCS.")] = None,
    ) -> None:
        """hit@1, hit@3 and MRR@10 of the hybrid retrieval, its two signals alone, and a plain BM25 baseline."""
        from worker.retrieval import index as ix
        from worker.retrieval.evaluate import evaluate, load_questions
        from worker.retrieval.search import HybridSearcher
        from worker.retrieval.sources import load_articles

        try:
            articles = load_articles(docs)
            qs = load_questions(questions)
        except (ConfigError, TicketInvalid) as exc:
            _fail(str(exc))
        index, _ = ix.build(articles, source=str(docs))
        searcher = HybridSearcher(index)
        report: dict[str, Any] = {"docs": str(docs), "questions_file": str(questions), **evaluate(searcher, articles, qs)}
        if calibrate_on is not None:
            from worker.retrieval.calibrate import Centre, calibrate, calibrate_centres, training_centres

            if centres is None:
                report["calibration"] = calibrate(searcher, articles, calibrate_on, qs, negatives)
            else:
                own = Centre(docs.name, articles, qs, tickets=calibrate_on)
                report["calibration"] = calibrate_centres([own, *training_centres(centres)], negatives)
        _metrics_table(report, f"retrieval over {report['articles']} articles ({report['chunks']} chunks), {report['questions']} questions")
        for name in ("hit_at_1", "hit_at_3", "mrr_at_10"):
            delta = report["hybrid"][name] - report["bm25_baseline"][name]
            typer.echo(f"  {name}: hybrid {report['hybrid'][name]:.3f} vs BM25 baseline {report['bm25_baseline'][name]:.3f} ({delta:+.3f})")
        if report["gold_missing_from_index"]:
            typer.secho(f"  warning: gold articles not in the index: {report['gold_missing_from_index'][:10]}", fg=typer.colors.YELLOW)
        if "calibration" in report:
            c = report["calibration"]
            typer.echo(f"  answerability weights ({', '.join(c['features'])}, bias): {c['weights']}  samples {c['samples']}")
            b = c["best"]
            typer.echo(f"  best threshold {b['threshold']} (5-fold): keeps {b['answerable_kept']:.1%} of rightly answered, "
                       f"escalates {b['unanswerable_escalated']:.1%} of the rest (Youden J {b['youden_j']})")
            rec = c["recommended"]
            typer.echo(f"  recommended (lowest answering <= 5% of other-domain tickets): {rec['threshold']}: keeps {rec['answerable_kept']:.1%}, "
                       f"other-domain answered {rec['other_domain_answered']:.1%}")
            for name, rates in c.get("per_centre", {}).items():
                typer.echo(f"    {name} (held out of the fit): " + ", ".join(f"{k} {v:.1%}" for k, v in rates.items()))
        _write_json(json_path, report)

    @app.command("bench-retrieval")
    def bench_retrieval(
        sizes: Annotated[str, typer.Option("--sizes", help="Chunk counts, comma-separated.")] = "1000,10000,100000",
        queries: Annotated[int, typer.Option("--queries", help="Queries timed per size.")] = 300,
        source: Annotated[Path | None, typer.Option("--source", exists=True, help="Help centre whose text seeds the synthetic chunks.")] = None,
        json_path: Annotated[Path | None, typer.Option("--json", help="Write the figures here as JSON.")] = None,
    ) -> None:
        """Query latency p50/p99, memory and build time at each size, against numpy brute force in the same run."""
        from worker.retrieval.bench import print_table, run
        from worker.settings import load_settings

        try:
            counts = [int(x) for x in sizes.split(",") if x.strip()]
        except ValueError:
            _fail(f"--sizes must be integers separated by commas, got {sizes!r}")
        if not counts or min(counts) < 10:
            _fail("--sizes needs chunk counts of at least 10")
        rows = run(counts, queries=queries, source=source or load_settings().corpus_dir)
        print_table(rows)
        _write_json(json_path, {"rows": rows})
