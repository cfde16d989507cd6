"""Learning a team's own domain: historical tickets in, a cross-validated report and a model file out.

Tickets come as JSONL or CSV, labelled with the five intents (`intent`) or with the team's helpdesk
tags (`tags`: a list, or one string split on commas, semicolons or `|`) mapped to intents by a tag map.
A tag map is a JSON object `{"tag": "intent"}`, or plain lines `tag = intent` (`#` starts a comment).
When several of a ticket's tags map, the intent that most needs a person wins.

The report is measured the way workers decide: each fold's model plus the routing signals
(`LocalProvider.classify`), then the hard escalation rules; a ticket must escalate when its intent is
account, billing or escalate, its urgency high, or the customer frustrated.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from worker.errors import TicketInvalid
from worker.models import INTENTS, URGENCIES, Ticket
from worker.providers import local_classifier as lc
from worker.providers.local import LocalProvider
from worker.stages.escalate import hard_reasons

MIN_PER_INTENT = 10  # fewer examples than this of any intent cannot be cross-validated into anything honest
CV_FOLDS = 5
# escalate first: when a ticket's tags name several intents, the one that needs a person decides
PRIORITY = ("escalate", "billing", "account", "bug", "faq")
_TEXT_FIELDS = ("text", "message", "body", "description")


class TrainingError(TicketInvalid):
    """History that cannot train a model: unreadable, unlabelled, or too few examples of an intent."""


def read_tag_map(path: Path) -> dict[str, str]:
    """A tag map: a JSON object, or `tag = intent` lines; tags compare case-insensitively."""
    raw = path.read_text(encoding="utf-8")
    pairs: dict[str, str]
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        pairs = {}
        for n, line in enumerate(raw.splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            tag, sep, intent = line.partition("=") if "=" in line else line.partition(":")
            if not sep:
                raise TrainingError(f"{path}:{n}: expected `tag = intent`", line=n) from None
            pairs[tag.strip()] = intent.strip()
    else:
        if not isinstance(data, dict):
            raise TrainingError(f"{path}: a JSON tag map is an object of tag -> intent")
        pairs = {str(k): str(v) for k, v in data.items()}
    bad = sorted({v for v in pairs.values() if v not in INTENTS})
    if bad:
        raise TrainingError(f"{path}: unknown intents {bad}; use {', '.join(INTENTS)}")
    return {k.strip().lower(): v for k, v in pairs.items()}


def _rows(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh), 2):
                yield n, dict(row)
        return
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TrainingError(f"{path}:{n}: not JSON ({exc.msg})", line=n) from exc
        if not isinstance(row, dict):
            raise TrainingError(f"{path}:{n}: a row must be a JSON object", line=n)
        yield n, row


def _tags(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(t).strip().lower() for t in value]
    if isinstance(value, str):
        for sep in (";", "|"):
            value = value.replace(sep, ",")
        return [t.strip().lower() for t in value.split(",") if t.strip()]
    return []


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "y"))


def label(row: dict[str, Any], tag_map: dict[str, str] | None) -> str | None:
    """The row's intent: its own `intent` when valid, else its tags through the map (None: unlabelled)."""
    intent = str(row.get("intent") or "").strip().lower()
    if intent in INTENTS:
        return intent
    if tag_map:
        mapped = {tag_map[t] for t in _tags(row.get("tags")) if t in tag_map}
        for candidate in PRIORITY:
            if candidate in mapped:
                return candidate
    return None


@dataclass(frozen=True)
class History:
    """The labelled examples read from a history file, and how many rows had no label."""

    examples: list[lc.Example]
    unlabelled: int


def read_history(path: Path, tag_map: dict[str, str] | None = None) -> History:
    """Labelled examples from a JSONL or CSV history (subject and message joined as the text)."""
    out: list[lc.Example] = []
    unlabelled = 0
    for _n, row in _rows(path):
        text = next((str(row[f]) for f in _TEXT_FIELDS if row.get(f)), "")
        if row.get("subject"):
            text = f"{row['subject']}\n{text}".strip()
        intent = label(row, tag_map)
        if not text.strip() or intent is None:
            unlabelled += 1
            continue
        urgency = str(row.get("urgency") or "low").strip().lower()
        out.append(lc.Example(text, intent, urgency if urgency in URGENCIES else "low", _truthy(row.get("frustrated"))))
    return History(out, unlabelled)


def check_counts(examples: Sequence[lc.Example], minimum: int = MIN_PER_INTENT) -> None:
    """Raise TrainingError (one line) when any intent has fewer than `minimum` examples."""
    counts = {i: 0 for i in INTENTS}
    for e in examples:
        counts[e.intent] += 1
    short = [f"{i} has {n}" for i, n in counts.items() if n < minimum]
    if short:
        raise TrainingError(f"too few examples: {', '.join(short)}; ticketflow train needs at least {minimum} of each intent ({', '.join(INTENTS)})")


def must_escalate(e: lc.Example) -> bool:
    """The policy's answer for a training ticket: a person's job, or one the help centre may answer."""
    return e.intent in lc.HUMAN_INTENTS or e.urgency == "high" or e.frustrated


@dataclass
class Report:
    """Cross-validated figures at the thresholds the final model uses."""

    n: int
    folds: int
    per_intent: dict[str, dict[str, float | int]]
    accuracy: float
    must_escalate_recall: float | None
    must_escalate_n: int
    false_escalation_rate: float | None
    must_not_escalate_n: int
    human_p: float = lc.DEFAULT_HUMAN_P  # the thresholds of the model written (set by `train`)
    frustration_p: float = lc.DEFAULT_FRUSTRATION_P

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return dict(self.__dict__)


def _decide(provider: LocalProvider, text: str) -> tuple[str, bool]:
    cls, _ = provider.classify(Ticket(id="cv", message=text))
    return cls.intent, bool(hard_reasons(cls))


def cross_validate(examples: Sequence[lc.Example], folds: int = CV_FOLDS, seed: int = 0) -> Report:
    """Per-intent precision and recall, must-escalate recall and false escalations, out of fold."""
    ys = [e.intent for e in examples]
    ids = lc.fold_ids(ys, folds, seed)
    predicted: list[str] = [""] * len(examples)
    escalated = [False] * len(examples)
    for k in range(folds):
        models = lc.fit_models([e for e, f in zip(examples, ids, strict=True) if f != k], folds=2, seed=seed)
        provider = LocalProvider(models)
        for i in np.where(ids == k)[0]:
            predicted[i], escalated[i] = _decide(provider, examples[i].text)
    per: dict[str, dict[str, float | int]] = {}
    for intent in INTENTS:
        tp = sum(p == intent and y == intent for p, y in zip(predicted, ys, strict=True))
        n_pred, n_gold = predicted.count(intent), ys.count(intent)
        per[intent] = {"precision": round(tp / n_pred, 4) if n_pred else 0.0, "recall": round(tp / n_gold, 4) if n_gold else 0.0, "n": n_gold}
    must = [escalated[i] for i, e in enumerate(examples) if must_escalate(e)]
    must_not = [escalated[i] for i, e in enumerate(examples) if not must_escalate(e)]
    return Report(
        n=len(examples),
        folds=folds,
        per_intent=per,
        accuracy=round(float(np.mean([p == y for p, y in zip(predicted, ys, strict=True)])), 4),
        must_escalate_recall=round(float(np.mean(must)), 4) if must else None,
        must_escalate_n=len(must),
        false_escalation_rate=round(float(np.mean(must_not)), 4) if must_not else None,
        must_not_escalate_n=len(must_not),
    )


def train(examples: Sequence[lc.Example], out_dir: Path, source: str = "") -> tuple[Path, lc.LocalModels]:
    """Fit on every example and write `classifier-<content hash>.npz` under `out_dir`."""
    models = lc.fit_models(examples)
    digest = lc.content_hash(examples)
    models.meta = {"trained_on": [source] if source else [], "examples": len(examples), "hash": digest}
    path = out_dir / f"classifier-{digest}.npz"
    lc.save(models, path)
    return path, models
