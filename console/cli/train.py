"""`ticketflow train`: learn a team's own domain from its historical tickets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer


def _fail(msg: str, code: int = 2) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _print_report(r: dict[str, Any], path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"{r['folds']}-fold cross-validation over {r['n']} tickets (model + routing signals, as workers decide)")
    for col in ("intent", "precision", "recall", "tickets"):
        t.add_column(col, justify="left" if col == "intent" else "right")
    for intent, m in r["per_intent"].items():
        t.add_row(intent, f"{m['precision']:.3f}", f"{m['recall']:.3f}", str(m["n"]))
    con.print(t)
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    con.print(f"intent accuracy {fmt(r['accuracy'])}")
    con.print(f"must-escalate recall {fmt(r['must_escalate_recall'])} over {r['must_escalate_n']}; "
              f"false escalations {fmt(r['false_escalation_rate'])} over {r['must_not_escalate_n']}")
    con.print(f"thresholds: human-intent probability >= {r['human_p']:.3f} goes to a person; frustration probability > {r['frustration_p']:.2f}")
    con.print(f"model written: {path}\nuse it: TICKETFLOW_CLASSIFIER_MODEL={path}")


def register(app: typer.Typer) -> None:
    """Attach `train`."""

    @app.command("train")
    def train_cmd(
        tickets: Annotated[Path, typer.Option("--tickets", exists=True, dir_okay=False, envvar="TICKETFLOW_TRAIN_TICKETS", help="Historical tickets: JSONL or CSV with text and intent (or tags).")],
        tag_map: Annotated[Path | None, typer.Option("--tag-map", exists=True, dir_okay=False, envvar="TICKETFLOW_TRAIN_TAG_MAP", help="Helpdesk tags to intents: a JSON object, or `tag = intent` lines.")] = None,
        out: Annotated[Path, typer.Option("--out", file_okay=False, envvar="TICKETFLOW_TRAIN_OUT", help="Folder for the model file (named by the training data's content hash).")] = Path(".ticketflow/models"),
        folds: Annotated[int, typer.Option("--folds", min=2, max=10, help="Cross-validation folds.")] = 5,
        json_path: Annotated[Path | None, typer.Option("--json", help="Write the cross-validation report here as JSON.")] = None,
    ) -> None:
        """Cross-validate a classifier on TICKETS, report per-intent precision and recall and must-escalate recall, and write the model."""
        from worker.providers import training

        try:
            mapping = training.read_tag_map(tag_map) if tag_map else None
            history = training.read_history(tickets, mapping)
            training.check_counts(history.examples)
        except (training.TrainingError, UnicodeDecodeError, OSError) as exc:
            _fail(str(exc))
        if history.unlabelled:
            typer.secho(f"note: {history.unlabelled} rows had no intent (or no mapped tag) or no text and were left out", err=True)
        report = training.cross_validate(history.examples, folds=folds)
        path, models = training.train(history.examples, out, source=tickets.name)
        report.human_p, report.frustration_p = round(models.human_p, 4), models.frustration_p
        data = report.as_dict()
        _print_report(data, path)
        if json_path:
            json_path.write_text(json.dumps({**data, "model": str(path)}, indent=2) + "\n", encoding="utf-8")
