"""Retrieval stage: the help-centre sections most likely to answer a ticket.

A small BM25 index over `## ` sections, built from the corpus at start-up. The retrieval issue
replaces the internals; the stage signature (`retrieve(ticket, classification, retriever, k)`)
stays.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from worker.models import Chunk, Classification, Ticket
from worker.text import clean, content_tokens


@dataclass(frozen=True)
class Section:
    """A section of an article: the unit that is retrieved and cited."""

    doc_id: str
    title: str
    section: str
    text: str
    language: str = "en"


def split_article(doc_id: str, markdown: str, language: str = "en") -> list[Section]:
    """Split a Markdown article at its `## ` headings; the intro becomes its own section."""
    title = doc_id
    sections: list[Section] = []
    current, body = "", []  # type: ignore[var-annotated]
    for line in markdown.splitlines():
        if line.startswith("# ") and title == doc_id:
            title = line[2:].strip()
        elif line.startswith("## "):
            if "".join(body).strip():
                sections.append(Section(doc_id, title, current, "\n".join(body).strip(), language))
            current, body = line[3:].strip(), []
        else:
            body.append(line)
    if "".join(body).strip():
        sections.append(Section(doc_id, title, current, "\n".join(body).strip(), language))
    return sections


def load_corpus(root: Path) -> list[Section]:
    """Every section of every article under `root` (sub-folders are languages)."""
    out: list[Section] = []
    for path in sorted(root.rglob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        lang = path.parent.name if path.parent != root else "en"
        out.extend(split_article(path.stem, path.read_text(encoding="utf-8"), lang))
    return out


@dataclass
class Retriever:
    """BM25 over sections, title words counted in every section of the article."""

    sections: list[Section]
    k1: float = 1.5
    b: float = 0.75
    _tf: list[Counter[str]] = field(default_factory=list, init=False)
    _idf: dict[str, float] = field(default_factory=dict, init=False)
    _len: list[int] = field(default_factory=list, init=False)
    _avg: float = field(default=1.0, init=False)

    def __post_init__(self) -> None:
        df: Counter[str] = Counter()
        for s in self.sections:
            toks = content_tokens(f"{s.title} {s.title} {s.section} {s.text}")
            tf = Counter(toks)
            self._tf.append(tf)
            self._len.append(len(toks))
            df.update(tf.keys())
        n = max(len(self.sections), 1)
        self._avg = sum(self._len) / n if self._len else 1.0
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def search(self, query: str, k: int = 3, language: str | None = None) -> list[Chunk]:
        """The top `k` sections for `query`, best first, at most one per article."""
        q = set(content_tokens(query))
        scored: list[tuple[float, int]] = []
        for i, tf in enumerate(self._tf):
            s = 0.0
            for t in q:
                f = tf.get(t)
                if f:
                    s += self._idf[t] * f * (self.k1 + 1) / (f + self.k1 * (1 - self.b + self.b * self._len[i] / self._avg))
            if s > 0:
                scored.append((s, i))
        scored.sort(reverse=True)
        out: list[Chunk] = []
        seen: set[str] = set()
        for s, i in scored:
            sec = self.sections[i]
            if sec.doc_id in seen:
                continue
            seen.add(sec.doc_id)
            out.append(Chunk(doc_id=sec.doc_id, title=sec.title, section=sec.section, text=sec.text, score=round(s, 4), language=sec.language))
            if len(out) == k:
                break
        return out


def build_retriever(corpus_dir: Path) -> Retriever:
    """Index the help centre in `corpus_dir`."""
    return Retriever(load_corpus(corpus_dir))


_QUERY_NOISE = re.compile(r"\s+")


def retrieve(ticket: Ticket, classification: Classification, retriever: Retriever, k: int = 3) -> list[Chunk]:
    """The stage: query the help centre with the cleaned subject and message."""
    query = _QUERY_NOISE.sub(" ", clean(ticket.text))
    return retriever.search(query, k=k, language=ticket.language)
