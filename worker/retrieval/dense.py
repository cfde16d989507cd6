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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from worker.retrieval.analysis import features

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
        feats = [features(t) for t in texts]
        df: dict[str, int] = {}
        for f in feats:
            for k in f:
                df[k] = df.get(k, 0) + 1
        n = len(texts)
        kept = sorted(df, key=lambda k: (-df[k], k))[:MAX_FEATURES]
        vocab = {k: i for i, k in enumerate(sorted(kept))}
        idf = np.asarray([math.log((1 + n) / (1 + df[k])) + 1.0 for k in sorted(kept)], np.float32)
        x = np.zeros((n, len(vocab)), np.float32)
        for i, f in enumerate(feats):
            for k, c in f.items():
                j = vocab.get(k)
                if j is not None:
                    x[i, j] = 1.0 + math.log(c)
        x = _unit(x * idf)
        # SVD through the small n x n Gram matrix: V = X^T U / s.
        gram = x @ x.T
        vals, vecs = np.linalg.eigh(gram.astype(np.float64))
        top = np.argsort(vals)[::-1][: min(dim, n)]
        s = np.sqrt(np.clip(vals[top], 1e-12, None))
        v = (x.T @ vecs[:, top].astype(np.float32)) / s.astype(np.float32)
        if v.shape[1] < dim:  # fewer chunks than dimensions: pad, the vectors stay comparable
            v = np.hstack([v, np.zeros((v.shape[0], dim - v.shape[1]), np.float32)])
        return cls(vocab, idf, (v * idf[:, None]).astype(np.float32))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Fold texts into the latent space (features the basis never saw are ignored)."""
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            ids: list[int] = []
            weights: list[float] = []
            for k, c in features(t).items():
                j = self.vocab.get(k)
                if j is not None:
                    ids.append(j)
                    weights.append(1.0 + math.log(c))
            if ids:
                w = np.asarray(weights, np.float32)
                w /= float(np.linalg.norm(w * self.idf[ids])) or 1.0
                out[i] = w @ self.basis[ids]
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
