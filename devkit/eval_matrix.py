"""Every quality figure of the local default in one table: our help centre, the foreign ones, held-out sets,
out-of-scope pairings and (when given) the public sets, in one process with one classifier.

    python -m devkit.eval_matrix [--public DIR] [--json PATH] [--only NAME,...]

Each row is `ticketflow eval` over one (tickets, help centre) pair; the columns are its metrics
(console/evaluate.py). `--public DIR` adds the public sets a developer has beside the checkout (Bitext,
doc2dial, StackFAQ: read from DIR, never copied into the project). Rows marked `held out` are sets
nobody tunes on: they are the honest figure for a help centre ticketflow has never seen.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FOREIGN = ROOT / "tests" / "data" / "foreign"
OWN_HELP = ROOT / "corpus" / "help"


@dataclass(frozen=True)
class EvalSet:
    """One row of the matrix: tickets asked of a help centre."""

    name: str
    tickets: Path
    docs: Path
    out_of_scope: bool = False  # every row is from another domain than `docs`
    note: str = ""


def _help(domain: str) -> Path:
    return FOREIGN / domain / "help"


def sets(public: Path | None) -> list[EvalSet]:
    """The matrix's rows: ours, foreign (tuned on), held out, out-of-scope and cross-domain pairings, public."""
    rows = [EvalSet("sample", ROOT / "corpus" / "tickets" / "sample.jsonl", OWN_HELP, note="ours")]
    for d in ("energy", "mobility"):
        rows.append(EvalSet(d, FOREIGN / d / "tickets.jsonl", _help(d), note="foreign"))
    for d in ("ticketing", "council"):
        rows.append(EvalSet(d, FOREIGN / d / "tickets.jsonl", _help(d), note="held out"))
    helps = {"corpus": OWN_HELP, **{d: _help(d) for d in ("energy", "mobility", "ticketing", "council")}}
    for oos, note in (("out_of_scope", "foreign"), ("out_of_scope_2", "held out")):
        for h, path in helps.items():
            rows.append(EvalSet(f"{oos} @ {h}", FOREIGN / f"{oos}.jsonl", path, out_of_scope=True, note=note))
    for a, b in (("energy", "mobility"), ("mobility", "energy"), ("ticketing", "council"), ("council", "ticketing")):
        rows.append(EvalSet(f"{a} tickets @ {b}", FOREIGN / a / "tickets.jsonl", _help(b), out_of_scope=True, note="cross-domain"))
    if public is not None:
        rows += [
            EvalSet("bitext", public / "bitext_tickets.jsonl", OWN_HELP, note="public"),
            EvalSet("doc2dial", public / "doc2dial_dev_questions.jsonl", public / "doc2dial_dev_docs.jsonl", note="public"),
            EvalSet("stackfaq", public / "stackfaq_questions.jsonl", public / "stackfaq_docs.jsonl", note="public"),
        ]
    return [r for r in rows if r.tickets.exists() and r.docs.exists()]


COLUMNS = [
    ("n", "n"),
    ("intent_accuracy", "intent acc"),
    ("must_escalate_recall", "must-esc recall"),
    ("false_escalation_rate", "false esc"),
    ("false_escalation_rate_in_language", "false esc, answer in their language"),
    ("in_scope_answered_rate", "in-scope answered"),
    ("right_article_rate", "right article"),
    ("span_recall", "span recall"),
    ("out_of_scope_answered_rate", "out-of-scope answered"),
]


def run(rows: list[EvalSet]) -> list[dict[str, Any]]:
    """The metrics of each row, with the provider and policy the settings name (the local default unless configured)."""
    from console.evaluate import docs_folder, load_labelled, metrics, run_eval
    from worker.providers import build_provider
    from worker.retrieval.retriever import Retriever, build_retriever
    from worker.settings import load_settings
    from worker.stages.escalate import policy_from

    settings = load_settings()
    provider = build_provider(settings)
    policy = policy_from(settings)
    retrievers: dict[Path, Retriever] = {}
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ticketflow-matrix-") as tmp:
        for i, row in enumerate(rows):
            if row.docs not in retrievers:
                retrievers[row.docs] = build_retriever(docs_folder(row.docs, Path(tmp) / str(i)), settings)
            started = time.perf_counter()
            outcomes = run_eval(
                load_labelled(row.tickets, out_of_scope=row.out_of_scope),
                provider=provider, retriever=retrievers[row.docs], k=settings.retrieval_top_k, policy=policy,
            )
            m = metrics(outcomes)
            out.append({"set": row.name, "note": row.note, "seconds": round(time.perf_counter() - started, 2), **m})
    return out


def _cell(v: Any) -> str:
    if v is None:
        return "–"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def table(results: list[dict[str, Any]]) -> str:
    """The matrix as a Markdown table."""
    head = "| set | kind | " + " | ".join(label for _, label in COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    for r in results:
        lines.append(f"| {r['set']} | {r['note']} | " + " | ".join(_cell(r.get(key)) for key, _ in COLUMNS) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--public", type=Path, help="folder of the public eval sets (bitext_tickets.jsonl, doc2dial_*, stackfaq_*)")
    ap.add_argument("--json", type=Path, help="write every row's metrics here")
    ap.add_argument("--only", help="comma-separated set names (prefix match)")
    args = ap.parse_args(argv)
    if args.public is not None and not args.public.is_dir():
        print(f"--public {args.public}: not a folder", file=sys.stderr)
        return 2
    rows = sets(args.public)
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        rows = [r for r in rows if any(r.name.startswith(w) for w in wanted)]
    results = run(rows)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
