"""Dense vectors for chunks and queries: a local LSA encoder (numpy only), or OpenAI embeddings.

LocalEncoder is latent semantic analysis: TF-IDF over words and character n-grams, projected onto
the top singular vectors of the help centre's own matrix. It needs no download and no key, and it
maps related wordings ("sign in" / "log in", "Passwort" / "password") close together because they
co-occur in the articles. The basis is fitted once and then kept: chunks added later are folded
into it (the standard LSA fold-in), so an unchanged chunk keeps its vector and a rebuild re-embeds
only new or changed chunks. `ticketflow index build --refit` fits it afresh.

OpenAIEncoder calls `text-embedding-3-small` (or the configured model) through the OpenAI provider,
batched within the API's limits; its vectors do not depend on the rest of the corpus.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from worker.retrieval.analysis import feature_grams, features, terms

DIM = 128
MAX_FEATURES = 20_000  # the most widespread features of the fitting sample; rarer ones carry little to LSA
FIT_SAMPLE = 1_500  # chunks the basis is fitted on (a larger help centre is folded into it)


class Encoder(Protocol):
    """Turns texts into unit-length float32 vectors of a fixed dimension."""

    @property
    def kind(self) -> str:
        """Names the vector space: vectors of different kinds never mix."""
        ...

    @property
    def dim(self) -> int:
        """Vector size."""
        ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit row per text."""
        ...

    def state(self) -> dict[str, np.ndarray]:
        """Arrays to persist with the index (empty when the encoder needs none)."""
        ...


def _unit(m: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(m, axis=-1, keepdims=True)
    return (m / np.where(n == 0, 1.0, n)).astype(np.float32)


@dataclass
class LocalEncoder:
    """LSA: sublinear TF-IDF of words and char n-grams, projected on `dim` singular directions."""

    vocab: dict[str, int]
    idf: np.ndarray  # (F,) float32
    basis: np.ndarray  # (F, dim) float32: feature -> latent space, already scaled by idf
    kind: str = "local-lsa"
    _term_ids: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def dim(self) -> int:
        """Vector size."""
        return int(self.basis.shape[1])

    @classmethod
    def fit(cls, texts: Sequence[str], dim: int = DIM, seed: int = 0) -> LocalEncoder:
        """Fit the basis on `texts` (a deterministic sample of FIT_SAMPLE when there are more)."""
        if len(texts) > FIT_SAMPLE:
            pick = np.random.default_rng(seed).choice(len(texts), FIT_SAMPLE, replace=False)
            texts = [texts[i] for i in sorted(pick)]
        df: Counter[str] = Counter()
        for t in texts:
            df.update(features(t).keys())
        n = len(texts)
        kept = sorted(sorted(df, key=lambda k: (-df[k], k))[:MAX_FEATURES])
        idf = np.asarray([math.log((1 + n) / (1 + df[k])) + 1.0 for k in kept], np.float32)
        enc = cls({k: i for i, k in enumerate(kept)}, idf, np.zeros((len(kept), 0), np.float32))
        x = np.zeros((n, len(kept)), np.float32)
        for i, t in enumerate(texts):
            ids, w = enc.weights(t)
            x[i, ids] = w
        # SVD through the small n x n Gram matrix: V = X^T U / s.
        vals, vecs = np.linalg.eigh((x @ x.T).astype(np.float64))
        top = np.argsort(vals)[::-1][: min(dim, n)]
        s = np.sqrt(np.clip(vals[top], 1e-12, None))
        v = (x.T @ vecs[:, top].astype(np.float32)) / s.astype(np.float32)
        if v.shape[1] < dim:  # fewer chunks than dimensions: pad, the vectors stay comparable
            v = np.hstack([v, np.zeros((v.shape[0], dim - v.shape[1]), np.float32)])
        enc.basis = (v * idf[:, None]).astype(np.float32)
        return enc

    def _ids(self, term: str) -> np.ndarray:
        ids = self._term_ids.get(term)
        if ids is None:
            ids = np.fromiter((j for g in feature_grams(term) if (j := self.vocab.get(g)) is not None), np.int64)
            if len(self._term_ids) < 500_000:
                self._term_ids[term] = ids
        return ids

    def weights(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Known feature ids of `text` and their unit-length TF-IDF weights (sublinear tf)."""
        counts = Counter(terms(text))
        parts = [self._ids(t) for t in counts]
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        reps = np.repeat(np.fromiter(counts.values(), np.float32, len(counts)), [len(p) for p in parts])
        uniq, inverse = np.unique(np.concatenate(parts), return_inverse=True)
        if not len(uniq):
            return uniq, np.zeros(0, np.float32)
        w = (1.0 + np.log(np.bincount(inverse, weights=reps))).astype(np.float32)
        norm = float(np.linalg.norm(w * self.idf[uniq])) or 1.0
        return uniq, w / norm * self.idf[uniq]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Fold texts into the latent space (features the basis never saw are ignored)."""
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            ids, w = self.weights(t)
            if len(ids):
                out[i] = (w / self.idf[ids]) @ self.basis[ids]
        return _unit(out)

    def state(self) -> dict[str, np.ndarray]:
        """Vocabulary, idf and basis, for the index file."""
        return {
            "lsa_vocab": np.asarray(sorted(self.vocab, key=self.vocab.__getitem__), dtype=object).astype(str),
            "lsa_idf": self.idf,
            "lsa_basis": self.basis,
        }

    @classmethod
    def from_state(cls, arrays: dict[str, Any]) -> LocalEncoder:
        """The encoder an index file was built with."""
        vocab = {str(k): i for i, k in enumerate(arrays["lsa_vocab"].tolist())}
        return cls(vocab, np.asarray(arrays["lsa_idf"], np.float32), np.asarray(arrays["lsa_basis"], np.float32))


class Embeds(Protocol):
    """What OpenAIEncoder needs from a provider: `embed(texts) -> (vectors, usage)`."""

    def embed(self, texts: list[str]) -> tuple[list[list[float]], Any]:
        """Vectors in input order."""
        ...


@dataclass
class OpenAIEncoder:
    """Provider embeddings (`text-embedding-3-small` by default), batched by the provider."""

    provider: Embeds
    model: str
    dim: int = 1536
    kind: str = ""

    def __post_init__(self) -> None:
        self.kind = f"openai:{self.model}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One API round per batch; an empty list costs nothing."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vectors, _usage = self.provider.embed(list(texts))
        m = np.asarray(vectors, np.float32)
        self.dim = int(m.shape[1])
        return _unit(m)

    def state(self) -> dict[str, np.ndarray]:
        """Nothing: the model lives at the provider."""
        return {}
