"""Hybrid search: BM25 and dense rankings fused by reciprocal rank fusion, one result per article.

    query -> BM25 over chunks ------\
    query -> dense cosine, chunks ---\
                                      >-- per-article ranks -- RRF (k=60) -- top k articles, best chunk each
    query -> BM25 over articles -----/
    query -> dense cosine, articles /

Both signals rank chunks; each article takes the rank of its best chunk, and RRF adds 1/(60 + rank)
over the lists, so an article both signals like beats one only a single signal loves, without
having to put BM25 scores and cosines on one scale. Both signals also rank whole articles (the
chunks' term counts summed, their vectors averaged): a question about a long page is often about
the page, not one of its chunks, and the page whose every chunk speaks of it should beat a page
with one chunk that happens to share the words (own questions hit@1 0.727 -> 0.770, sample tickets
0.761 -> 0.782). When every article is a single chunk the article lists are the chunk lists and are
skipped. The score handed to the pipeline is separate
from the fusion: a calibrated probability that the top article answers the query (see `confidence`).
When the ticket's salient terms are mostly in none of the top sections (answerable.py), the help
centre does not answer it however well the rest matched: every hit's score is then 0 (a hard rule on
top of the answerability model, which weighs the same share).

Spelling: a query in the help centre's main language is first written as the help centre spells it
(spelling.py: "shpi" -> "ship", "doyou" -> "do you"), so BM25, the dense vector and the answerability weighing
all see the corrected words; a word of another language is never taken for a typo of an English one.

Languages: a query searches the chunks of its own language (when the help centre has that
language) and of the help centre's main language; an article that exists in the customer's
language is returned in it. The dense rankings take each language's offset out of the vectors, so a
ticket is not drawn to the few translated articles by its language alone. The hard answerability rule
runs on queries in the main language (or an unknown one) only: words an English section lacks say
nothing about a Spanish ticket's topic, and a Spanish section lacks the inflections of a Spanish
ticket's words that no stemmer here folds.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from worker.retrieval.analysis import terms
from worker.retrieval.answerable import Answerability, Weighed, answerability, named_share, weigh
from worker.retrieval.index import Index
from worker.retrieval.lexical import BM25, TermCounts
from worker.retrieval.spelling import Speller

RRF_K = 60
LANG_CENTRE = True  # dense rankings compare vectors with their language's offset removed (see HybridSearcher.__init__)
DEPTH = 64  # chunks taken from each signal before fusion
ANSWER_FROM = 2  # top sections that must mention the ticket's salient terms (the reply quotes the first; three let
# a ticket from another domain pass on words scattered over unrelated sections)
# The answerability model: a logistic regression (scikit-learn, C=1) of "this article answers the
# ticket", fitted by `ticketflow eval-retrieval --calibrate` (worker/retrieval/calibrate.py) on the
# team's own data only: our questions and tickets against our help centre (positive when the top
# article is the gold one), our tickets of twenty other invented products asked of it, and our
# questions asked with their gold article left out (negative). Features, each on a help-centre-free
# scale: dense cosine of the article's best chunk, the IDF-weighted share of the query's terms it
# holds, the share of the ticket's salient terms that none of the top sections holds, the share its
# title and heading name, and its cosine lead over the next article.
# Refitted over five help centres (`--centres corpus/train`, leave-one-centre-out), the same features answer no more
# of a foreign help centre's right articles at the same other-domain rate: these weights were kept (docs/retrieval.md).
FEATURES = ("cosine", "coverage", "uncovered", "named", "margin")
CALIBRATION: tuple[float, ...] = (4.944, 2.815, -1.266, 0.968, 0.976, -5.451)


def confidence(features: tuple[float, ...], weights: tuple[float, ...] = CALIBRATION) -> float:
    """Probability-like score in [0, 1] that the article answers the query."""
    z = weights[-1] + sum(w * f for w, f in zip(weights[:-1], features, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class Hit:
    """One retrieved article: its best chunk (row in the index) and the evidence for it."""

    row: int
    score: float  # calibrated, in [0, 1]
    fused: float  # RRF score, for ordering
    cosine: float
    coverage: float  # IDF-weighted share of the query's terms the chunk contains
    margin: float  # cosine lead over the best chunk of any other article
    agree: bool  # first in both rankings
    lexical_rank: int | None
    dense_rank: int | None
    uncovered: float = 0.0  # IDF-weighted share of the ticket's salient terms in none of the top sections
    named: float = 0.0  # IDF-weighted share of the ticket's salient terms the chunk's title and heading name

    @property
    def features(self) -> tuple[float, ...]:
        """What the calibration weighs (in FEATURES order)."""
        return (self.cosine, self.coverage, self.uncovered, self.named, self.margin)


def _speller(index: Index, main_language: str) -> Speller:
    """The speller of `index`: corrections to the main language's terms only (by the chunks of that language holding
    each); the other languages' terms are known words, left as written."""
    tc = index.counts
    main = np.fromiter((p.language == main_language for p in index.passages), bool, len(index.passages))
    per_entry = np.repeat(main, np.diff(tc.indptr))
    df = np.bincount(tc.term_ids[per_entry], minlength=len(tc.vocab)).tolist()
    used = np.bincount(tc.term_ids, minlength=len(tc.vocab)).tolist()
    return Speller({t: df[j] for j, t in enumerate(tc.vocab) if df[j]}, known=[t for j, t in enumerate(tc.vocab) if used[j] and not df[j]])


class HybridSearcher:
    """Searches one Index; built once per process (postings and per-language views are precomputed)."""

    def __init__(self, index: Index, uncovered_max: float | None = None) -> None:
        """`uncovered_max`: the answerability check's limit (1 turns it off); None reads TICKETFLOW_RETRIEVAL_UNCOVERED_MAX."""
        if uncovered_max is None:
            from worker.settings import get_settings

            uncovered_max = get_settings().retrieval_uncovered_max
        self.uncovered_max = uncovered_max
        self.index = index
        self.bm25 = BM25(index.counts)
        langs = Counter(p.language for p in index.passages)
        self.main_language = langs.most_common(1)[0][0] if langs else "en"
        self.speller = _speller(index, self.main_language)
        self.doc_ids: dict[str, int] = {}
        self.doc_of = np.asarray([self.doc_ids.setdefault(p.doc_id, len(self.doc_ids)) for p in index.passages], np.int64)
        self.lang_of = [p.language for p in index.passages]
        # In a help centre of several languages every chunk of one language leans the same way in the dense space
        # (its words only co-occur with each other), so a Spanish ticket's nearest chunks were the few translated
        # articles whatever they were about. The dense rankings remove each language's offset (its chunks' mean
        # minus all chunks' mean) from chunks and query alike; a one-language help centre has no offset. The
        # cosines the calibration weighs stay the raw ones (energy hit@3 0.726 -> 0.767, mobility 0.603 -> 0.676).
        self._offsets: dict[str, np.ndarray] = {}
        self._offset_matrix = np.zeros((0, index.vectors.shape[1]), np.float32)  # one row per language in _langs
        self._langs = sorted(langs)
        ranked = index.vectors
        if LANG_CENTRE and len(langs) > 1:
            lang_idx = np.asarray([self._langs.index(lang) for lang in self.lang_of], np.int64)
            overall = index.vectors.mean(axis=0)
            offsets = np.stack([index.vectors[lang_idx == i].mean(axis=0) - overall for i in range(len(self._langs))])
            self._offsets = dict(zip(self._langs, offsets, strict=True))
            ranked = index.vectors - offsets[lang_idx]
            norms = np.maximum(np.linalg.norm(ranked, axis=1), 1e-9).astype(np.float32)
            ranked = ranked / norms[:, None]
            self._offset_matrix = offsets.astype(np.float32)
        self._articles = _ArticleLevel.of(index, self.doc_of, self.main_language, ranked)
        self._views: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._row_terms: dict[int, frozenset[str]] = {}  # filled as rows are retrieved (see _section_terms)
        self._headings: dict[int, frozenset[str]] = {}
        # Per view, each row's language and the norm of its centred vector: the centred cosine is
        # (v . q - offset . q) / |v - offset|, without a second copy of the vectors.
        self._centring: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for lang in langs:
            rows = np.asarray([i for i, pl in enumerate(self.lang_of) if pl in (lang, self.main_language)], np.int64)
            # The main language's view is usually every row: share the array instead of copying it.
            vectors = index.vectors if len(rows) == len(index.passages) else np.ascontiguousarray(index.vectors[rows])
            self._views[lang] = (rows, vectors)
            if self._offsets:
                self._centring[lang] = (lang_idx[rows], norms[rows])

    def view(self, language: str | None) -> tuple[np.ndarray, np.ndarray]:
        """Rows (and their vectors) a query in `language` searches."""
        return self._views.get(language or self.main_language) or self._views[self.main_language]

    def search(self, query: str, k: int = 3, language: str | None = None, mode: str = "hybrid") -> list[Hit]:
        """The top `k` articles for `query`, best first (an empty list when nothing matches at all).

        `mode` "lexical" or "dense" ranks by one signal alone (for ablations); scores stay calibrated.
        """
        if not self.index.passages:
            return []
        rows, vectors = self.view(language)
        query = self.normalised(query, language)
        ids, unknown = self.bm25.query_terms(query)
        lex_all = self.bm25.scores(ids)
        lex = lex_all if len(rows) == len(lex_all) else lex_all[rows]
        qv = self.index.encoder.encode([query])[0]
        cos = vectors @ qv
        rcos, rqv = cos, qv  # what the dense rankings order by (see __init__); `cos` is what the calibration weighs
        if self._offsets and qv.any():  # a query the encoder knows nothing of stays nowhere, not at minus an offset
            off = self._offsets.get(language or self.main_language)
            if off is not None:
                rqv = qv - off
                rqv = (rqv / max(float(np.linalg.norm(rqv)), 1e-9)).astype(np.float32)
            lang_idx, norms = self._centring.get(language or self.main_language) or self._centring[self.main_language]
            rcos = (vectors @ rqv - (self._offset_matrix @ rqv)[lang_idx]) / norms
        lex_top = _top(lex, DEPTH)
        dense_top = _top(rcos, DEPTH)
        lex_top = lex_top[lex[lex_top] > 0]
        dense_top = dense_top[rcos[dense_top] > 0]
        # Each ranked chunk's article, looked up once as Python ints: the loops below (article lists, each
        # article's best chunk, the cosine margin) compare plain ints instead of indexing numpy per element.
        lex_top_l, dense_top_l = lex_top.tolist(), dense_top.tolist()
        lex_of = self.doc_of[rows[lex_top]].tolist()
        dense_of = self.doc_of[rows[dense_top]].tolist()
        lex_docs = list(dict.fromkeys(lex_of))
        dense_docs = list(dict.fromkeys(dense_of))
        art_lex: list[int] = []
        art_dense: list[int] = []
        if self._articles is not None:
            found = list(dict.fromkeys(lex_docs + dense_docs))
            art_lex, art_dense = self._articles.rankings(found, ids, rqv, language or self.main_language)
        fused: dict[int, float] = {}
        rankings = {"hybrid": (lex_docs, dense_docs, art_lex, art_dense), "lexical": (lex_docs, art_lex), "dense": (dense_docs, art_dense)}[mode]
        for ranking in rankings:
            for rank, doc in enumerate(ranking):
                fused[doc] = fused.get(doc, 0.0) + 1.0 / (RRF_K + rank + 1)
        best = sorted(fused, key=lambda d: (-fused[d], d))[:k]
        doc_cos: dict[int, float] = {}
        for d, c in zip(dense_of, cos[dense_top].tolist(), strict=True):  # each article's best raw cosine among the chunks the dense list took
            doc_cos[d] = max(doc_cos.get(d, -1.0), c)
        weighed = weigh(query, self._idf, self.bm25.max_idf)
        out: list[Hit] = []
        for doc in best:
            local = self._best_chunk(doc, rows, ((lex_top_l, lex_of), (dense_top_l, dense_of)), cos, language)
            cov = self.bm25.coverage(int(rows[local]), ids, unknown)
            c = float(cos[local])
            others = [v for d, v in doc_cos.items() if d != doc]
            margin = c - max(others) if others else c
            lr = lex_docs.index(doc) + 1 if doc in lex_docs else None
            dr = dense_docs.index(doc) + 1 if doc in dense_docs else None
            named = round(self.named(weighed, int(rows[local])), 4)
            out.append(Hit(int(rows[local]), 0.0, fused[doc], round(c, 4), round(cov, 4), round(margin, 4), lr == 1 and dr == 1, lr, dr, 0.0, named))
        if not out:
            return out
        gaps = self.answerability(weighed, out)
        out = [replace(h, uncovered=gaps.share) for h in out]
        out = [replace(h, score=round(confidence(h.features), 4)) for h in out]
        if not gaps.salient or (self.checks(language, out[0]) and gaps.unanswerable(self.uncovered_max)):
            out = [replace(h, score=0.0) for h in out]  # a ticket that names nothing matched on its filler
        return out

    def normalised(self, query: str, language: str | None) -> str:
        """`query` with its typos and run-together words written as this help centre spells them (spelling.py); a
        query in another language than the main one is left as written (its words are not typos of English ones)."""
        return self.speller.normalise(query) if (language or self.main_language) == self.main_language else query

    def checks(self, language: str | None, top: Hit) -> bool:
        """Whether the hard answerability rule can judge this query: it is in the main language (or an unknown one).
        A section of another language lacks the query's inflections and compounds that only an English stemmer
        folds ("facturas" / "factura"), so its missing words say little; the model still weighs them."""
        if self.uncovered_max >= 1.0:
            return False
        return (language or self.main_language) == self.main_language

    def answerability(self, query: str | Weighed, hits: list[Hit]) -> Answerability:
        """How much of `query` the top ANSWER_FROM hits' sections leave unmentioned, weighed by this index's IDF."""
        sections = [self._section_terms(h.row) for h in hits[:ANSWER_FROM]]
        return answerability(query, sections, self._idf, self.bm25.max_idf)

    def _section_terms(self, row: int) -> frozenset[str]:
        """The index terms of chunk `row`, built once per process (a ticket asks for three; the index is fixed)."""
        got = self._row_terms.get(row)
        if got is None:
            vocab = self.index.counts.vocab
            got = self._row_terms[row] = frozenset(vocab[j] for j in self.bm25.terms_of(row).tolist())
        return got

    def _heading_terms(self, row: int) -> frozenset[str]:
        """The terms of chunk `row`'s title and heading, built once per process."""
        got = self._headings.get(row)
        if got is None:
            p = self.index.passages[row]
            got = self._headings[row] = frozenset(terms(f"{p.title}\n{p.section}"))
        return got

    def named(self, weighed: Weighed, row: int) -> float:
        """How much of a query's `weigh`ed terms the title and heading of chunk `row` name (by this index's IDF)."""
        return named_share(weighed, self._heading_terms(row))

    def _idf(self, term: str) -> float | None:
        j = self.bm25.index.get(term)
        return None if j is None else float(self.bm25.idf[j])

    def _best_chunk(self, doc: int, rows: np.ndarray, tops: tuple[tuple[list[int], list[int]], ...], cos: np.ndarray, language: str | None) -> int:
        """The article's chunk with the best fused chunk rank, in the customer's language when it has one.

        `tops`: each chunk ranking (local row numbers, best first) beside the article of each of its chunks."""
        score: dict[int, float] = {}
        for order, docs in tops:
            for rank, (local, d) in enumerate(zip(order, docs, strict=True)):
                if d == doc:
                    score[local] = score.get(local, 0.0) + 1.0 / (RRF_K + rank + 1)
        if not score:  # ranked by the article lists alone: its chunk closest to the query
            mine = np.flatnonzero(self.doc_of[rows] == doc)
            return int(mine[np.argmax(cos[mine])])
        wanted = language or self.main_language
        in_lang = [c for c in score if self.lang_of[rows[c]] == wanted]
        pool = in_lang or list(score)
        return max(pool, key=lambda c: (score[c], -c))


@dataclass(frozen=True)
class _ArticleLevel:
    """Whole articles (one per language version) as BM25 documents and as mean vectors.

    Only the articles the chunk lists found are re-ranked (their docs' versions in the query's view): a
    query costs a few sparse rows and a small matrix product, not a second pass over the help centre."""

    weights: Any  # scipy.sparse CSR (articles x terms): each term's BM25 weight in the whole article
    vectors: np.ndarray  # (articles, dim), unit rows
    versions: dict[int, list[tuple[int, str]]]  # doc number -> its articles (id, language)
    main: str  # the help centre's main language, searched by every query

    @classmethod
    def of(cls, index: Index, doc_of: np.ndarray, main_language: str, chunk_vectors: np.ndarray | None = None) -> _ArticleLevel | None:
        """None when every article is a single chunk (the chunk lists already rank articles). `chunk_vectors`:
        the vectors the articles' means are taken of (default the index's)."""
        from scipy.sparse import csr_matrix

        keys: dict[tuple[str, str], int] = {}
        art_of = np.asarray([keys.setdefault((p.language, p.doc_id), len(keys)) for p in index.passages], np.int64)
        if len(keys) == len(index.passages):
            return None
        tc = index.counts
        width = max(len(tc.vocab), 1)
        chunk_of = np.repeat(np.arange(tc.n_chunks), np.diff(tc.indptr))
        uniq, inverse = np.unique(art_of[chunk_of] * width + tc.term_ids, return_inverse=True)
        counts = np.bincount(inverse, weights=tc.counts).astype(np.float32)
        arts, term_ids = np.divmod(uniq, width)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(arts, minlength=len(keys)))]).astype(np.int64)
        bm25 = BM25(TermCounts(tc.vocab, indptr, term_ids.astype(np.int32), counts))
        post_terms = np.repeat(np.arange(len(bm25.post_ptr) - 1), np.diff(bm25.post_ptr))
        weights = csr_matrix((bm25.post_weights, (bm25.post_chunks, post_terms)), shape=(len(keys), width), dtype=np.float32)
        vectors = np.zeros((len(keys), index.vectors.shape[1]), np.float32)
        np.add.at(vectors, art_of, index.vectors if chunk_vectors is None else chunk_vectors)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        first = np.zeros(len(keys), np.int64)  # a chunk of each article
        first[art_of[::-1]] = np.arange(len(art_of))[::-1]
        versions: dict[int, list[tuple[int, str]]] = {}
        for (lang, _), a in keys.items():
            versions.setdefault(int(doc_of[first[a]]), []).append((a, lang))
        return cls(weights, vectors, versions, main_language)

    def rankings(self, docs: list[int], ids: np.ndarray, qv: np.ndarray, language: str) -> tuple[list[int], list[int]]:
        """`docs` ordered by whole-article BM25 and by cosine to the article's mean vector, in the query's view."""
        pairs = [(d, a) for d in docs for a, lang in self.versions.get(d, []) if lang in (language, self.main)]
        if not pairs:
            return [], []
        arts = np.asarray([a for _, a in pairs], np.int64)
        rows = self.weights[arts]
        lex = np.asarray(rows[:, ids].sum(axis=1)).ravel() if len(ids) else np.zeros(len(arts), np.float32)
        cos = self.vectors[arts] @ qv
        return self._ranking(pairs, lex), self._ranking(pairs, cos)

    @staticmethod
    def _ranking(pairs: list[tuple[int, int]], scores: np.ndarray) -> list[int]:
        seen: dict[int, None] = {}
        for i in np.argsort(-scores, kind="stable").tolist():
            if scores[i] > 0:
                seen.setdefault(pairs[i][0], None)
        return list(seen)


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the `n` highest scores, best first."""
    if len(scores) <= n:
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, n)[:n]
    return part[np.argsort(-scores[part], kind="stable")]
