"""The offline classifier's models: logistic regression over hashed word and character n-grams.

Three heads (intent, urgency, frustration), each a scikit-learn logistic regression (`SGDClassifier`
with the log loss, see `fit_head`) on the same features, with a temperature fitted on out-of-fold scores so its probabilities can be thresholded.
Chosen over the earlier naive Bayes because a discriminative model weighs what a ticket asks for
("refund me", "how much is") against the domain's vocabulary instead of counting every money word
as evidence; character n-grams carry it across languages and misspellings.

The fitted weights are plain arrays (no pickle: a model file from elsewhere cannot run code), cached
on disk keyed by the training data's content hash. The bundled general model is trained from
`corpus/tickets/train.jsonl` and `train_domains.jsonl`; `ticketflow train` writes a team's own.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from worker.models import HUMAN_INTENTS as HUMAN_INTENT_SET
from worker.models import INTENTS, URGENCIES
from worker.text import clean

TICKETS_DIR = Path(__file__).resolve().parents[2] / "corpus" / "tickets"
TRAIN_FILES = tuple(TICKETS_DIR / f for f in ("train.jsonl", "train_domains.jsonl", "train_asks.jsonl"))
WORD_DIM = 1 << 17
CHAR_DIM = 1 << 17
DIM = WORD_DIM + CHAR_DIM
FORMAT = 4  # bump when the features or the file layout change: old caches are then ignored
FRUSTRATION_LABELS = ("no", "yes")
DEFAULT_FRUSTRATION_P = 0.5
HUMAN_INTENTS = tuple(i for i in INTENTS if i in HUMAN_INTENT_SET)  # in INTENTS order, for indexing
DEFAULT_HUMAN_P = 0.5
MIN_HUMAN_P = 0.3
HUMAN_RECALL_TARGET = 0.95  # share of out-of-fold account/billing/escalate tickets the chosen threshold must keep with a person
# The bundled model is general: in a domain it has never seen, its escalate and high-urgency readings follow the
# domain's and the language's words. They stand alone only when this sure; otherwise a signal of what they mean
# must fire (a person, a complaint, the law, harm now, anger; see `signals`). Chosen on the bundled sample and
# Bitext; out-of-fold on the bundled training tickets they cost must-escalate recall 0.966 -> 0.959 and save
# false escalations 0.095 -> 0.068. A team's own model (`ticketflow train`) learnt its domain and is trusted as it
# is (0: no bar): on a 600-ticket history the bars would cost its must-escalate recall 0.95 -> 0.89.
GENERAL_ESCALATE_ALONE_P = 0.8
GENERAL_HIGH_ALONE_P = 0.75


@lru_cache(maxsize=1)
def _vectorizers() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import HashingVectorizer

    word = HashingVectorizer(n_features=WORD_DIM, ngram_range=(1, 2), alternate_sign=False, norm=None, lowercase=True,
                             token_pattern=r"(?u)\b\w[\w']*\b")
    char = HashingVectorizer(n_features=CHAR_DIM, analyzer="char_wb", ngram_range=(2, 5), alternate_sign=False, norm=None, lowercase=True)
    return word, char


def featurize(texts: Sequence[str]) -> Any:
    """Sparse features: hashed word 1-2-grams and character 2-5-grams, log-scaled, each half L2-normalised."""
    from scipy.sparse import hstack

    word, char = _vectorizers()
    docs = [clean(t) for t in texts]
    parts = []
    for vec in (word, char):
        m = vec.transform(docs).astype(np.float64)
        m.data = np.log1p(m.data)
        # row-wise L2 by hand: sklearn's `normalize` validates its input for longer than a ticket takes to score
        norms = np.sqrt(np.bincount(np.repeat(np.arange(m.shape[0]), np.diff(m.indptr)), weights=m.data**2, minlength=m.shape[0]))
        m.data /= np.repeat(np.where(norms > 0, norms, 1.0), np.diff(m.indptr))
        parts.append(m)
    return hstack(parts, format="csr")


@dataclass
class LinearHead:
    """One fitted head: weights, biases and the temperature that calibrates its probabilities."""

    labels: tuple[str, ...]
    coef: np.ndarray  # labels x DIM (one row for two labels)
    intercept: np.ndarray
    temperature: float = 1.0
    _weights: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # transposed and widened once: scoring a ticket is then one sparse row times a small dense matrix
        self._weights = np.ascontiguousarray(self.coef.T, dtype=np.float64)

    def scores(self, x: Any) -> np.ndarray:
        """Raw decision scores, one row per text."""
        return np.asarray(x @ self._weights) + self.intercept

    def proba_matrix(self, x: Any) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in `labels` order."""
        return softmax_scores(self.scores(x), self.temperature)

    def proba(self, x: Any) -> dict[str, float]:
        """Calibrated probabilities of the first (usually only) text."""
        row = self.proba_matrix(x)[0]
        return {lab: float(p) for lab, p in zip(self.labels, row, strict=True)}


def softmax_scores(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities from decision scores; a binary head's single column becomes two."""
    s = scores / max(temperature, 1e-6)
    if s.shape[1] == 1:
        s = np.hstack([np.zeros_like(s), s])
    s = s - s.max(axis=1, keepdims=True)
    p = np.exp(s)
    return np.asarray(p / p.sum(axis=1, keepdims=True))


def fit_head(x: Any, ys: Sequence[str], labels: Sequence[str]) -> LinearHead:
    """A class-balanced logistic regression (rare intents must not lose to frequency alone).

    Fitted by stochastic gradient descent on the log loss (one-vs-rest): on 2,700 tickets it is as
    accurate as lbfgs/saga `LogisticRegression` (3-fold intent accuracy 0.91 vs 0.89/0.90) and 10-15x
    faster to fit, which matters because workers fit the bundled model at start-up."""
    from sklearn.linear_model import SGDClassifier

    present = [lab for lab in labels if lab in set(ys)]
    if len(present) < 2:  # one label seen: a constant head
        coef = np.zeros((1 if len(labels) == 2 else len(labels), x.shape[1]), dtype=np.float32)
        bias = np.array([5.0 if lab == present[0] else -5.0 for lab in labels]) if len(labels) > 2 else np.array([5.0 if present[0] == labels[1] else -5.0])
        return LinearHead(tuple(labels), coef, bias)
    model = SGDClassifier(loss="log_loss", alpha=1e-5, class_weight="balanced", max_iter=30, tol=None, random_state=0)
    model.fit(x, list(ys))
    classes = [str(k) for k in model.classes_]
    if len(labels) == 2:
        sign = 1.0 if classes == [labels[0], labels[1]] else -1.0
        return LinearHead(tuple(labels), (sign * model.coef_).astype(np.float32), sign * model.intercept_)
    coef = np.zeros((len(labels), x.shape[1]), dtype=np.float32)
    bias = np.full(len(labels), -1e3)  # a label never seen in training is never predicted
    if len(classes) == 2:  # two of several labels seen: a binary model, the first label scored at zero
        bias[labels.index(classes[0])] = 0.0
        coef[labels.index(classes[1])], bias[labels.index(classes[1])] = model.coef_[0], model.intercept_[0]
        return LinearHead(tuple(labels), coef, bias)
    for i, lab in enumerate(classes):
        coef[labels.index(lab)] = model.coef_[i]
        bias[labels.index(lab)] = model.intercept_[i]
    return LinearHead(tuple(labels), coef, bias)


def fit_temperature(scores: np.ndarray, ys: Sequence[str], labels: Sequence[str]) -> float:
    """The temperature that minimises out-of-fold log loss (one number: calibration that cannot overfit)."""
    idx = np.array([labels.index(y) for y in ys])
    best, best_t = np.inf, 1.0
    for t in np.exp(np.linspace(np.log(0.2), np.log(8.0), 60)):
        p = softmax_scores(scores, float(t))
        loss = -np.mean(np.log(np.clip(p[np.arange(len(idx)), idx], 1e-12, None)))
        if loss < best:
            best, best_t = loss, float(t)
    return best_t


@dataclass
class LocalModels:
    """The three fitted heads, and the thresholds chosen for them."""

    intent: LinearHead
    urgency: LinearHead
    frustration: LinearHead
    frustration_p: float = DEFAULT_FRUSTRATION_P
    human_p: float = DEFAULT_HUMAN_P  # a faq/bug reading whose account+billing+escalate probability reaches this goes to a person
    escalate_alone_p: float = 0.0  # an escalate reading without its signal stands only at this probability (GENERAL_ESCALATE_ALONE_P)
    high_alone_p: float = 0.0  # the same for high urgency
    meta: dict[str, Any] = field(default_factory=dict)

    def predict(self, text: str) -> tuple[dict[str, float], dict[str, float], float]:
        """Intent and urgency probabilities and the probability of frustration, for one text."""
        x = featurize([text])
        return self.intent.proba(x), self.urgency.proba(x), self.frustration.proba(x)["yes"]


@dataclass(frozen=True)
class Example:
    """One labelled training ticket."""

    text: str
    intent: str
    urgency: str = "low"
    frustrated: bool = False


def examples_from_rows(rows: Iterable[dict[str, Any]]) -> list[Example]:
    """Training examples from JSON rows of the `train.jsonl` schema."""
    return [
        Example(str(r["text"]), str(r["intent"]), str(r.get("urgency") or "low"), bool(r.get("frustrated")))
        for r in rows
        if r.get("text") and r.get("intent") in INTENTS
    ]


def read_examples(paths: Iterable[Path]) -> list[Example]:
    """Every example of the JSONL files that exist."""
    rows: list[dict[str, Any]] = []
    for p in paths:
        if p.exists():
            rows += [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return examples_from_rows(rows)


def fit_models(examples: Sequence[Example], *, folds: int = 3, seed: int = 0) -> LocalModels:
    """Fit the three heads; each head's temperature comes from `folds`-fold out-of-fold scores."""
    x = featurize([e.text for e in examples])
    targets: dict[str, tuple[list[str], tuple[str, ...]]] = {
        "intent": ([e.intent for e in examples], INTENTS),
        "urgency": ([e.urgency if e.urgency in URGENCIES else "low" for e in examples], URGENCIES),
        "frustration": (["yes" if e.frustrated else "no" for e in examples], FRUSTRATION_LABELS),
    }
    heads: dict[str, LinearHead] = {}
    human_p = DEFAULT_HUMAN_P
    for name, (ys, labels) in targets.items():
        head = fit_head(x, ys, labels)
        if folds >= 2 and len(set(ys)) >= 2:
            oof = out_of_fold_scores(x, ys, labels, folds=folds, seed=seed)
            head.temperature = fit_temperature(oof, ys, labels)
            if name == "intent":
                human_p = choose_human_threshold(softmax_scores(oof, head.temperature), ys)
        heads[name] = head
    return LocalModels(heads["intent"], heads["urgency"], heads["frustration"], human_p=human_p)


def human_probability(p: np.ndarray) -> np.ndarray:
    """Per row of intent probabilities (INTENTS order), the probability that a person must handle it."""
    return np.asarray(p[:, [INTENTS.index(i) for i in HUMAN_INTENTS]].sum(axis=1))


def choose_human_threshold(p: np.ndarray, ys: Sequence[str], target: float = HUMAN_RECALL_TARGET) -> float:
    """The highest threshold on the human-intent probability that keeps `target` of the out-of-fold
    account/billing/escalate tickets with a person (between MIN_HUMAN_P and an even call: a lower bar sends every question with a money word to a person)."""
    ph = human_probability(p)
    gold = np.array([y in HUMAN_INTENTS for y in ys])
    if not gold.any():
        return DEFAULT_HUMAN_P
    t = float(np.quantile(ph[gold], 1.0 - target))
    return float(min(DEFAULT_HUMAN_P, max(MIN_HUMAN_P, t)))


def fold_ids(ys: Sequence[str], folds: int, seed: int = 0) -> np.ndarray:
    """A stratified fold number for every row (each label spread evenly over the folds)."""
    rng = np.random.default_rng(seed)
    out = np.zeros(len(ys), dtype=np.int64)
    for lab in sorted(set(ys)):
        idx = np.array([i for i, y in enumerate(ys) if y == lab])
        rng.shuffle(idx)
        out[idx] = np.arange(len(idx)) % folds
    return out


def out_of_fold_scores(x: Any, ys: Sequence[str], labels: Sequence[str], *, folds: int, seed: int = 0) -> np.ndarray:
    """Each row's decision scores from a head fitted without its fold."""
    ids = fold_ids(ys, folds, seed)
    width = 1 if len(labels) == 2 else len(labels)
    out = np.zeros((len(ys), width))
    for k in range(folds):
        train, test = np.where(ids != k)[0], np.where(ids == k)[0]
        head = fit_head(x[train], [ys[i] for i in train], labels)
        out[test] = head.scores(x[test])
    return out


# --- the model file --------------------------------------------------------------------------------

def content_hash(examples: Sequence[Example]) -> str:
    """The training data's fingerprint (with the feature format): a model file is named after it."""
    h = hashlib.sha256(f"format={FORMAT}\n".encode())
    for e in examples:
        h.update(json.dumps([e.text, e.intent, e.urgency, e.frustrated], ensure_ascii=False).encode() + b"\n")
    return h.hexdigest()[:16]


def save(models: LocalModels, path: Path) -> None:
    """Write the model atomically (concurrent workers never read half a file); arrays only, no pickle."""
    arrays: dict[str, np.ndarray] = {}
    for name in ("intent", "urgency", "frustration"):
        head: LinearHead = getattr(models, name)
        arrays[f"{name}_coef"] = head.coef.astype(np.float32)
        arrays[f"{name}_bias"] = np.asarray(head.intercept, dtype=np.float64)
        arrays[f"{name}_labels"] = np.array(head.labels)
        arrays[f"{name}_t"] = np.array([head.temperature])
    meta = {**models.meta, "format": FORMAT, "frustration_p": models.frustration_p, "human_p": models.human_p,
            "escalate_alone_p": models.escalate_alone_p, "high_alone_p": models.high_alone_p}
    arrays["meta"] = np.array([json.dumps(meta)])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp.npz")
    np.savez_compressed(tmp, **arrays)  # type: ignore[arg-type]
    tmp.replace(path)


def load(path: Path) -> LocalModels:
    """A model written by `save`; ValueError when it is not one (or of an older format)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"][0]))
            if meta.get("format") != FORMAT:
                raise ValueError(f"{path}: model format {meta.get('format')}, expected {FORMAT}: retrain it")
            heads = [
                LinearHead(tuple(str(s) for s in z[f"{n}_labels"]), z[f"{n}_coef"], z[f"{n}_bias"], float(z[f"{n}_t"][0]))
                for n in ("intent", "urgency", "frustration")
            ]
    except (OSError, KeyError, EOFError, ValueError, zipfile.BadZipFile) as exc:  # JSONDecodeError is a ValueError
        raise ValueError(f"{path}: not a ticketflow classifier model ({exc})") from exc
    if heads[0].labels != INTENTS or heads[0].coef.shape[1] != DIM:
        raise ValueError(f"{path}: not a ticketflow classifier model (labels or dimensions differ)")
    return LocalModels(heads[0], heads[1], heads[2], frustration_p=float(meta.get("frustration_p", DEFAULT_FRUSTRATION_P)),
                       human_p=float(meta.get("human_p", DEFAULT_HUMAN_P)), escalate_alone_p=float(meta.get("escalate_alone_p", 0.0)),
                       high_alone_p=float(meta.get("high_alone_p", 0.0)), meta=meta)


def load_or_train(cache_dir: Path, paths: Sequence[Path] = TRAIN_FILES) -> LocalModels:
    """The bundled models, from the on-disk cache when the training data has not changed."""
    examples = read_examples(paths)
    cache = cache_dir / f"local-classifier-{content_hash(examples)}.npz"
    if cache.exists():
        try:
            return _general(load(cache))
        except ValueError:
            pass  # a corrupt or partial cache is rebuilt below
    models = _general(fit_models(examples))
    models.meta = {"trained_on": [p.name for p in paths if p.exists()], "examples": len(examples), "hash": content_hash(examples)}
    save(models, cache)
    return models


def _general(models: LocalModels) -> LocalModels:
    """The bundled model's bars for a reading without its signal (set here, not cached: they are policy, not data)."""
    models.escalate_alone_p, models.high_alone_p = GENERAL_ESCALATE_ALONE_P, GENERAL_HIGH_ALONE_P
    return models
