"""The offline classifier: naive Bayes on hashed word and character n-grams, plus a few rules.

Trained from `corpus/tickets/train.jsonl` (the team's own labelled tickets) the first time a
process needs it; the fitted arrays are cached on disk, keyed by the training file's hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from worker.models import INTENTS, URGENCIES
from worker.text import clean, tokens

DIM = 1 << 18
TRAIN_FILE = Path(__file__).resolve().parents[2] / "corpus" / "tickets" / "train.jsonl"


def features(text: str) -> dict[int, float]:
    """Hashed word uni/bi-grams and character 3–5-grams of word-bounded text, log-scaled counts."""
    toks = tokens(clean(text))
    grams: list[str] = [f"w:{t}" for t in toks]
    grams += [f"b:{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]
    padded = f" {' '.join(toks)} "
    for n in (3, 4, 5):
        grams += [f"c{padded[i:i + n]}" for i in range(len(padded) - n + 1)]
    counts: dict[int, float] = {}
    for g in grams:
        h = zlib.crc32(g.encode()) & (DIM - 1)
        counts[h] = counts.get(h, 0.0) + 1.0
    return {h: float(np.log1p(c)) for h, c in counts.items()}


@dataclass
class NaiveBayes:
    """Multinomial naive Bayes over hashed features (Laplace-smoothed log probabilities)."""

    labels: tuple[str, ...]
    log_prior: np.ndarray
    log_prob: np.ndarray  # labels x DIM

    @classmethod
    def fit(cls, rows: list[dict[int, float]], ys: list[str], labels: tuple[str, ...], alpha: float = 0.1) -> NaiveBayes:
        """Fit from feature dicts and labels."""
        counts = np.zeros((len(labels), DIM), dtype=np.float64)
        prior = np.zeros(len(labels))
        for feats, y in zip(rows, ys, strict=False):
            j = labels.index(y)
            prior[j] += 1
            idx = np.fromiter(feats.keys(), dtype=np.int64)
            counts[j, idx] += np.fromiter(feats.values(), dtype=np.float64)
        counts += alpha
        log_prob = np.log(counts / counts.sum(axis=1, keepdims=True)).astype(np.float32)
        # Balanced prior: rare intents (billing, account) must not lose to frequency alone.
        log_prior = np.log(np.full(len(labels), 1.0 / len(labels)))
        return cls(labels, log_prior, log_prob)

    def proba(self, feats: dict[int, float]) -> dict[str, float]:
        """Posterior over labels (tempered so confidences are usable as thresholds)."""
        if not feats:
            return {lab: 1.0 / len(self.labels) for lab in self.labels}
        idx = np.fromiter(feats.keys(), dtype=np.int64)
        w = np.fromiter(feats.values(), dtype=np.float64)
        scores = self.log_prior + self.log_prob[:, idx].astype(np.float64) @ w
        scores = scores / max(1.0, float(w.sum()) ** 0.5)
        scores -= scores.max()
        p = np.exp(scores)
        p /= p.sum()
        return {lab: float(x) for lab, x in zip(self.labels, p, strict=False)}


@dataclass
class LocalModels:
    """The three fitted local models."""

    intent: NaiveBayes
    urgency: NaiveBayes
    frustration: NaiveBayes


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def train(path: Path = TRAIN_FILE) -> LocalModels:
    """Fit intent, urgency and frustration models from a JSONL of labelled tickets."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    feats = [features(r["text"]) for r in rows]
    return LocalModels(
        intent=NaiveBayes.fit(feats, [r["intent"] for r in rows], INTENTS),
        urgency=NaiveBayes.fit(feats, [r.get("urgency") or "low" for r in rows], URGENCIES),
        frustration=NaiveBayes.fit(feats, ["yes" if r.get("frustrated") else "no" for r in rows], ("no", "yes")),
    )


def load_or_train(cache_dir: Path, path: Path = TRAIN_FILE) -> LocalModels:
    """The fitted models, from the on-disk cache when the training file has not changed."""
    cache = cache_dir / f"local-classifier-{_file_hash(path)}.npz"
    if cache.exists():
        try:
            z = np.load(cache)
            return LocalModels(
                intent=NaiveBayes(INTENTS, z["ip"], z["il"]),
                urgency=NaiveBayes(URGENCIES, z["up"], z["ul"]),
                frustration=NaiveBayes(("no", "yes"), z["fp"], z["fl"]),
            )
        except (OSError, ValueError, KeyError):
            pass  # a corrupt or partial cache is rebuilt below
    models = train(path)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(f"{cache.stem}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp.npz")
    np.savez(
        tmp,
        ip=models.intent.log_prior, il=models.intent.log_prob,
        up=models.urgency.log_prior, ul=models.urgency.log_prob,
        fp=models.frustration.log_prior, fl=models.frustration.log_prob,
    )
    tmp.replace(cache)  # atomic: concurrent workers never read half a file
    return models


# --- rules: where a rule is simply right, whatever a statistical model thinks --------------------
HUMAN_REQUEST = re.compile(
    r"\b(speak|talk|chat|connect|put|transfer|reach)(ing)? (me )?(to|with|through to) (a |an |some(one|body) |your |the )?"
    r"(real |live |actual |human |customer service |support )?"
    r"(human|person|agent|representative|rep|manager|supervisor|someone|somebody|operator|assistant|staff|employee)\b"
    r"|\b(real|live|actual) (human|person|agent)\b|\bhuman (agent|being|support)\b"
    r"|\b(hablar con|parler à|parler a|sprechen mit) (un|una|une|einem|einer)? ?(humano|persona|agente|humain|personne|conseiller|mitarbeiter)",
    re.I,
)
# A complaint is the customer asking for a person to judge what went wrong: always a human's job.
COMPLAINT = re.compile(
    r"\b(complain\w*|grievances?|reclamations?|reclamación|réclamation)\b"
    r"|\b(file|filing|make|making|lodge|lodging|submit|raise|open)\w* (a |an |my |our )?(formal |official |consumer |customer )?claims?\b"
    r"|\bclaims? against\b",
    re.I,
)
INJECTION = re.compile(
    r"\b(ignore|forget|override|bypass) (all |any |your |the |previous |prior |above |earlier |these |those )+"
    r"(instructions|rules|prompts?|guidelines|directives)\b"
    r"|\b(system prompt|your (instructions|prompt|rules|guidelines)|developer mode|jailbreak|dan mode)\b"
    r"|\byou are now\b|\bact as (an? )?(admin|administrator|developer|system)\b|\bdisregard (all |your |the |previous |prior )+"
    r"|\b(reveal|print|show|repeat|output) (me )?(your |the )(system |hidden |initial )?(prompt|instructions)\b",
    re.I,
)
MONEY = re.compile(
    r"\b(refund\w*|reimburs\w*|rebates?|restitutions?|compensations?|money back|my money|charged|charge[sd]?|"
    r"overcharg\w*|double[- ]charg\w*|invoic\w*|receipts?|billing|bills?|billed|payments?|chargeback|credit card|"
    r"debit\w*|paid|pay for|vat|tax (id|number)|subscription fee)\b"
    r"|[$€£]\s?\d|\b\d+(\.\d+)? ?(dollars|euros?|pounds|usd|eur|gbp)\b"
    # the same words in the languages customers write to us in (es, fr, de, nl, it, pt)
    r"|\b(reembolso\w*|factura\w*|cobro\w*|cobrad\w*|pagos?|remboursement\w*|factur\w*|prélèvement\w*|paiement\w*|"
    r"rechnung\w*|erstattung\w*|zahlung\w*|abbuchung\w*|betaling\w*|factu[u]?r\w*|afschrijving\w*|terugbetal\w*|terugstort\w*|"
    r"incasso|fattur\w*|rimbors\w*|pagament\w*|cobrança\w*)\b",
    re.I,
)
_ACCOUNT_VERB = (
    r"(delet\w*|clos(e|ed|es|ing)|remov\w*|cancel\w*|deactivat\w*|terminat\w*|eras\w*|chang\w*|updat\w*|"
    r"edit\w*|modif\w*|transfer\w*|merg\w*|wip\w*)"
)
_ACCOUNT_NOUN = r"(deletion|removal|termination|cancell?ation|closure|closing|deactivation|erasure)s?"
ACCOUNT_CHANGE = re.compile(
    rf"\b{_ACCOUNT_VERB}\b[\w\s,']{{0,30}}\b(my |our |the )?(account|profile|e-?mail address|owner(ship)?|username|user ?name|login e-?mail)s?\b"
    rf"|\baccount {_ACCOUNT_NOUN}\b|\b{_ACCOUNT_NOUN} of (my |our |the |a |an )?([\w-]+ )?account"
    r"|\b(eliminar|borrar|cerrar) (mi )?cuenta\b|\b(supprimer|fermer) (mon )?compte\b",
    re.I,
)
HIGH_URGENCY = re.compile(
    r"\b(urgent\w*|asap|immediately|emergency|critical|right now|production (is )?down|outage|"
    r"data loss|lost (all|our) data|security (breach|incident)|data (leak|breach)|hacked|compromised|locked out|phishing|"
    # everyone blocked at once is an outage, however calmly it is put
    r"(nobody|no one|none of us|niemand|nadie|personne) (in|on|from|de|van|aus)? ?(our|the|my|ons|nuestro|notre|unserem)? ?"
    r"(team|office|company|equipo|équipe|bedrijf|firma)? ?(can|could|is able to|kan|puede|peut|kann)|(kan|kann) (niemand|keiner)|"
    r"(whole|entire|all of our|the) (team|company|office|staff)( can't| cannot| is unable| are unable| is blocked| is locked))\b|!!!",
    re.I,
)
# Swearing at a support desk is frustration whatever the words around it say.
PROFANITY = re.compile(
    r"\b(damn\w*|goddamn\w*|bloody|f+u+c+k\w*|shit\w*|crap\w*|bullshit|wtf|what the hell|pissed off|screw (you|this)|"
    r"bastards?|idiots|morons?)\b",
    re.I,
)
FRUSTRATION = re.compile(
    r"\b(unacceptable|ridiculous|outrageous|furious|angry|disgusted|disappointed|worst|terrible|awful|horrible|useless|pathetic|"
    r"fed up|sick (and tired )?of|a joke|scam|lawyer|legal action|cancel everything|"
    r"(second|third|fourth|fifth|sixth|2nd|3rd|4th|5th|6th|several|multiple|many|countless|numerous) (time|e-?mail|message|attempt|request|ticket)s?|"
    r"(asked|written|wrote|emailed|contacted|called|told) (you |your team |support )?(\w+ )?(twice|three times|four times|again)|"
    r"still (not|no|waiting|broken|haven't|hasn't|nothing|doesn't|isn't|can't)|no one (has )?(replied|answered|responded|gets back)|"
    r"nobody (has )?(replied|answered|responded|helps)|(waiting|waited) (for )?(days|weeks|\d+ days)|"
    r"again and again|over and over|keep (getting|having)|how many times|yet again|once again|"
    r"(haven't|have not|never) (heard back|received (a |any )?(reply|response|answer))|losing (my )?patience|at my wits)\b",
    re.I,
)


# A question that reports nothing failing is a how-to, whatever product words it shares with bug reports.
QUESTION = re.compile(
    r"\?\s*$|^\s*(how|can|could|is|are|does|do|what|where|which|when|why|will|should|may)\b"
    r"|^\s*(¿|comment|est-ce|kann|können|wie|wo|gibt es|hoe|kan|waar|come|como|cómo|dónde|puedo|se puede)\b",
    re.I | re.M,
)
FAILURE = re.compile(
    r"\b(error\w*|broken|break\w*|crash\w*|fail\w*|bug\w*|not (working|loading|showing|syncing|arriving|sent)|"
    r"(doesn't|does not|don't|won't|can't|cannot|isn't|aren't|didn't|wasn't|never) \w+|stopped|stuck|freez\w*|"
    r"blank|missing|wrong|disappear\w*|lost|glitch\w*|spinning|timed? ?out|\d{3} (error|page)|exception|"
    r"fehler|error|erreur|fout|kapot|werkt niet|no funciona|ne marche|funktioniert nicht|absturz|plante)\b",
    re.I,
)


def caps_ratio(text: str) -> float:
    """Share of upper-case letters among letters (shouting)."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 12:
        return 0.0
    return sum(c.isupper() for c in letters) / len(letters)
