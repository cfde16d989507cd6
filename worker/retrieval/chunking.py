"""Articles into chunks at their natural boundaries: sections, then paragraphs.

An article is split at its headings (Markdown `#`/`##`/`###`, or HTML `<h1>`-`<h6>` for help centres
exported as HTML, such as Zendesk Guide article bodies). A section with its own heading and a few
sentences to it is a topic of its own and stays its own chunk, however short (a small help centre's
articles are three short sections each, and each answers a different question); a headless intro or
a section of a line or two under `MIN_TOKENS` is merged into its neighbour, and the chunk is labelled
with the heading of the section that carries it, never with several headings joined. Sections over
`MAX_TOKENS` are cut at paragraph (then sentence) boundaries. Every chunk carries its article's title
and section heading: a chunk is retrieved and cited on its own, so it must say what it belongs to.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Bumped whenever the same article would be split, or turned into index terms, differently (analysis.stem
# is part of it: 2 folds -ment and doubled consonants; so are lexical.bm25_text's field weights: 3 counts the
# heading three times): an index built by another version is stale (sources.fingerprint) and a sync re-splits
# and re-embeds its unchanged articles (sync/run.article_hash).
CHUNKER_VERSION = 3
MIN_TOKENS = 120  # a section shorter than this is merged into the next one (or the previous, at the end)...
MIN_OWN_TOKENS = 30  # ...unless it has its own heading and at least this much to say: then it is a topic of its own
MAX_TOKENS = 400  # a section longer than this is cut at paragraph boundaries
TARGET_TOKENS = 300  # the size the cuts aim for

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORDISH = re.compile(r"\w+|[^\w\s]", re.U)


def count_tokens(text: str) -> int:
    """A model-free token estimate (words and punctuation, about what a BPE tokenizer counts for prose)."""
    return len(_WORDISH.findall(text))


@dataclass(frozen=True)
class Article:
    """One help-centre article as loaded from its source."""

    doc_id: str
    title: str
    body: str  # Markdown or plain text; HTML sources are converted to this by `html_to_markdown`
    language: str = "en"


@dataclass(frozen=True)
class Passage:
    """A chunk of an article: the unit that is indexed, retrieved and cited."""

    doc_id: str
    title: str
    section: str
    text: str
    language: str = "en"
    ordinal: int = 0  # position within the article

    @property
    def chunk_id(self) -> str:
        """Stable id of this chunk's place: language, article and position."""
        return f"{self.language}/{self.doc_id}#{self.ordinal}"

    @property
    def indexed_text(self) -> str:
        """What the index sees: the title and heading travel with the text."""
        return f"{self.title}\n{self.section}\n{self.text}" if self.section else f"{self.title}\n{self.text}"

    @property
    def content_hash(self) -> str:
        """Hash of everything that shapes this chunk's vectors and index terms (the chunker and analysis version
        included): an unchanged hash is never re-embedded nor re-counted."""
        return hashlib.sha256(f"{CHUNKER_VERSION}\x1f{self.language}\x1f{self.indexed_text}".encode()).hexdigest()[:24]


def split_sections(markdown: str) -> tuple[str, list[tuple[str, str]]]:
    """The `# ` title (or "") and the (heading, body) sections; text before any heading has heading ""."""
    title = ""
    sections: list[tuple[str, list[str]]] = [("", [])]
    in_code = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        m = None if in_code else _MD_HEADING.match(line)
        if m and len(m.group(1)) == 1 and not title:
            title = m.group(2).strip()
        elif m:
            sections.append((m.group(2).strip(), []))
        else:
            sections[-1][1].append(line)
    out = [(h, "\n".join(body).strip()) for h, body in sections]
    return title, [(h, b) for h, b in out if b]


def _paragraphs(text: str) -> list[str]:
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    out: list[str] = []
    for p in paras:
        if count_tokens(p) <= MAX_TOKENS:
            out.append(p)
            continue
        # A wall of text: cut at sentences, and a sentence too long for a chunk at words.
        for s in _SENTENCE.split(p):
            words = s.split()
            step = max(1, int(TARGET_TOKENS * 0.75))
            out.extend(" ".join(words[i : i + step]) for i in range(0, len(words), step))
    return out


def _pack(pieces: list[str]) -> list[str]:
    """Greedily pack paragraphs into chunks of at most TARGET_TOKENS (a lone longer one stays whole)."""
    chunks: list[str] = []
    cur: list[str] = []
    size = 0
    for p in pieces:
        n = count_tokens(p)
        if cur and size + n > TARGET_TOKENS:
            chunks.append("\n\n".join(cur))
            cur, size = [], 0
        cur.append(p)
        size += n
    if cur:
        chunks.append("\n\n".join(cur))
    return chunks


def _stands_alone(head: str, body: str) -> bool:
    """A section with its own heading that says enough to answer on its own is a topic of its own,
    however short (small help centres are made of such sections); a headless intro or a line or two
    under a heading ("See also") is not."""
    return bool(head) and count_tokens(body) >= MIN_OWN_TOKENS


def _join(a: tuple[str, str], b: tuple[str, str]) -> tuple[str, str]:
    """Two sections as one chunk, labelled with the heading of the one that carries it (the longer with a heading)."""
    (h1, b1), (h2, b2) = a, b
    label = max((h for h in (h1, h2) if h), key=lambda h: count_tokens(b1 if h == h1 else b2), default="")
    return label, (f"{b1}\n\n## {h2}\n{b2}" if h2 else f"{b1}\n\n{b2}")


def _merge_small(sections: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Merge sections under MIN_TOKENS that do not stand alone into the next one (the last into the previous), within MAX_TOKENS."""
    out: list[tuple[str, str]] = []
    for head, body in sections:
        if out:
            prev = out[-1]
            small = count_tokens(prev[1]) < MIN_TOKENS and not _stands_alone(*prev)
            if small and count_tokens(prev[1]) + count_tokens(body) <= MAX_TOKENS:
                out[-1] = _join(prev, (head, body))
                continue
        out.append((head, body))
    if len(out) > 1:
        last = out[-1]
        if count_tokens(last[1]) < MIN_TOKENS and not _stands_alone(*last) and count_tokens(out[-2][1]) + count_tokens(last[1]) <= MAX_TOKENS:
            out[-2:] = [_join(out[-2], last)]
    return out


def chunk_article(article: Article) -> list[Passage]:
    """The article's chunks, in order, each carrying title and section heading."""
    title, sections = split_sections(article.body)
    title = article.title or title or article.doc_id
    if not sections:
        return []
    passages: list[Passage] = []
    for head, body in _merge_small(sections):
        for part in _pack(_paragraphs(body)) if count_tokens(body) > MAX_TOKENS else [body]:
            passages.append(Passage(article.doc_id, title, head, part, article.language, len(passages)))
    return passages


class _HtmlToMarkdown(HTMLParser):
    """Headings become `#` lines, block elements line breaks, list items `- `; scripts and styles vanish."""

    BLOCKS = frozenset({"p", "div", "br", "tr", "table", "section", "article", "blockquote", "pre", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in self.BLOCKS:
            self.out.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif (len(tag) == 2 and tag[0] == "h" and tag[1].isdigit()) or tag in self.BLOCKS:
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(data.replace("\n", " ") if not self.out or not self.out[-1].endswith("# ") else data.strip())


def html_to_markdown(html: str) -> str:
    """Markdown-ish text of an HTML article body, headings kept as `#` lines for `split_sections`."""
    p = _HtmlToMarkdown()
    p.feed(html)
    p.close()
    lines = [re.sub(r"[ \t]+", " ", ln).strip() for ln in "".join(p.out).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
