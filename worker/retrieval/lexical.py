"""BM25 over chunks, as numpy postings: a query costs one gather and one `bincount`, whatever the corpus size.

Term counts per chunk are stored with the index (a sparse chunk x term matrix), so loading builds
the postings with array operations instead of re-tokenizing every chunk. The title counts twice and
a section's heading three times (BM25F-style field weights: the title says what the whole article is
about, the heading what this section is about). With the heading counted once, a section repeating a
ticket's words in passing beat the section whose heading names them; counting it three times moved
hit@1 (with search.py's language offsets) on our questions 0.780 -> 0.794, energy 0.575 -> 0.589,
mobility 0.485 -> 0.500, sample tickets 0.708 -> 0.703, and bitext's false escalations 0.253 -> 0.191
(docs/retrieval.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from worker.retrieval.analysis import terms

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 2
SECTION_WEIGHT = 3  # the text carries its heading once already (Passage.indexed_text): two more


def bm25_text(title: str, body: str, section: str = "") -> str:
    """What BM25 indexes for a chunk: the title (and heading) more often than the text carries them."""
    return "\n".join([title] * (TITLE_WEIGHT - 1) + ([section] * (SECTION_WEIGHT - 1) if section else []) + [body])


@dataclass
class TermCounts:
    """A sparse chunk x term matrix of counts (CSR) over a growing vocabulary."""

    vocab: list[str]
    indptr: np.ndarray  # (n_chunks + 1,) int64
    term_ids: np.ndarray  # (nnz,) int32
    counts: np.ndarray  # (nnz,) float32

    @classmethod
    def empty(cls) -> TermCounts:
        """No chunks, no terms."""
        return cls([], np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))

    @property
    def n_chunks(self) -> int:
        """Rows."""
        return len(self.indptr) - 1

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Term ids and counts of chunk `i`."""
        a, b = self.indptr[i], self.indptr[i + 1]
        return self.term_ids[a:b], self.counts[a:b]


def count_terms(texts: Sequence[str], vocab: list[str]) -> TermCounts:
    """Count the terms of `texts`, extending `vocab` (in place) with new terms."""
    index = {t: i for i, t in enumerate(vocab)}
    indptr = [0]
    ids: list[int] = []
    cnts: list[float] = []
    for text in texts:
        for term, c in Counter(terms(text)).items():
            j = index.get(term)
            if j is None:
                j = index[term] = len(vocab)
                vocab.append(term)
            ids.append(j)
            cnts.append(c)
        indptr.append(len(ids))
    return TermCounts(vocab, np.asarray(indptr, np.int64), np.asarray(ids, np.int32), np.asarray(cnts, np.float32))


def take_rows(tc: TermCounts, rows: Sequence[int]) -> TermCounts:
    """A new matrix of the given rows, in that order (same vocabulary)."""
    parts_i = [tc.row(r)[0] for r in rows]
    parts_c = [tc.row(r)[1] for r in rows]
    lens = np.fromiter((len(p) for p in parts_i), np.int64, len(parts_i))
    indptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    ids = np.concatenate(parts_i) if parts_i else np.zeros(0, np.int32)
    cnts = np.concatenate(parts_c) if parts_c else np.zeros(0, np.float32)
    return TermCounts(tc.vocab, indptr, ids.astype(np.int32), cnts.astype(np.float32))


def stack(a: TermCounts, b: TermCounts) -> TermCounts:
    """Rows of `a` then rows of `b` (both over the same, possibly extended, vocabulary)."""
    indptr = np.concatenate([a.indptr, a.indptr[-1] + b.indptr[1:]])
    return TermCounts(b.vocab if len(b.vocab) >= len(a.vocab) else a.vocab, indptr,
                      np.concatenate([a.term_ids, b.term_ids]), np.concatenate([a.counts, b.counts]))


class BM25:
    """Okapi BM25 with the weights precomputed per posting; `scores` is a dense array over chunks."""

    def __init__(self, tc: TermCounts, k1: float = K1, b: float = B) -> None:
        n = tc.n_chunks
        self.n = n
        self.index = {t: i for i, t in enumerate(tc.vocab)}
        lengths = np.diff(tc.indptr).astype(np.int64)
        chunk_of = np.repeat(np.arange(n, dtype=np.int32), lengths)
        doc_len = np.bincount(chunk_of, weights=tc.counts, minlength=n).astype(np.float32)
        avg = float(doc_len.mean()) if n else 1.0
        df = np.bincount(tc.term_ids, minlength=len(tc.vocab)).astype(np.float64)
        self.idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        f = tc.counts
        norm = k1 * (1 - b + b * doc_len[chunk_of] / max(avg, 1e-9))
        w = self.idf[tc.term_ids] * f * (k1 + 1) / (f + norm)
        self.row_terms, self.row_ptr = tc.term_ids, tc.indptr
        self.max_idf = float(np.log(1.0 + (n + 0.5) / 0.5))
        self._row_sets: dict[int, frozenset[int]] = {}  # filled as rows are asked for (see _term_set)
        order = np.argsort(tc.term_ids, kind="stable")
        self.post_chunks = chunk_of[order]
        self.post_weights = w[order].astype(np.float32)
        self.post_ptr = np.concatenate([[0], np.cumsum(np.bincount(tc.term_ids, minlength=len(tc.vocab)))]).astype(np.int64)

    def query_terms(self, query: str) -> tuple[np.ndarray, int]:
        """The distinct known term ids of a query, and how many of its distinct terms the index never saw."""
        distinct = set(terms(query))
        ids = sorted({self.index[t] for t in distinct if t in self.index})  # sorted: float sums in one order, run after run
        return np.fromiter(ids, np.int64, len(ids)), len(distinct) - len(ids)

    def scores(self, ids: np.ndarray) -> np.ndarray:
        """BM25 score of every chunk for the query terms `ids`."""
        if not len(ids):
            return np.zeros(self.n, np.float32)
        spans = [(self.post_ptr[i], self.post_ptr[i + 1]) for i in ids]
        chunks = np.concatenate([self.post_chunks[a:b] for a, b in spans])
        weights = np.concatenate([self.post_weights[a:b] for a, b in spans])
        return np.bincount(chunks, weights=weights, minlength=self.n).astype(np.float32)

    def coverage(self, row: int, ids: np.ndarray, unknown: int) -> float:
        """IDF-weighted share of the query's terms that chunk `row` contains; a term no chunk has counts as the rarest."""
        total = float(self.idf[ids].sum()) + unknown * self.max_idf
        if total <= 0:
            return 0.0
        have = self._term_set(row)
        held = np.fromiter((i in have for i in ids.tolist()), bool, len(ids))  # as np.isin(ids, terms_of(row)), at a tenth of its cost on a few ids
        return float(self.idf[ids[held]].sum()) / total

    def _term_set(self, row: int) -> frozenset[int]:
        """Term ids of chunk `row` as a set, built once per process (rows come back on every ticket; the index is fixed)."""
        got = self._row_sets.get(row)
        if got is None:
            got = self._row_sets[row] = frozenset(self.terms_of(row).tolist())
        return got

    def terms_of(self, row: int) -> np.ndarray:
        """Term ids of chunk `row`."""
        return self.row_terms[self.row_ptr[row] : self.row_ptr[row + 1]]
