"""A help-centre section as the units a reply is built from, its Markdown rendered for a customer.

    section text -> blocks: paragraphs (cut into sentences), list items (numbered or not, each
                    knowing its list), table rows (each knowing its header); a heading is not quoted
                    but every unit under it knows it (what a block is about helps choose it). A
                    heading may be plain text (help centres exported without Markdown): a short
                    title-case or question line right above a paragraph.
                 -> inline clean-up of every unit: emphasis and code marks removed, links as
                    "text (url)", HTML tags stripped, words a tokenizer split apart rejoined
                    ("can t" -> "can't", "you re" -> "you're", "word , word" -> "word, word",
                    "toll - free" -> "toll-free", "family s" -> "family's", '" basics "' -> '"basics"')

Pure functions over strings: what to keep is select.py's decision, how to frame it frames.py's.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from worker.retrieval.analysis import ALL_STOPWORDS

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_ITEM = re.compile(r"^\s*(?:(\d+)[.)]|[-*+•])\s+(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=(?:\*\*|__|[*_\"'“«„(\[])*[A-ZÀ-ÖØ-Þ0-9¿¡])")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]+)\]\(((?:[^()\s]|\([^()\s]*\))+)(?:\s+(?:\"[^\"]*\"|&quot;.*?&quot;))?\)")
SAFE_URL = re.compile(r"^(https?://|mailto:|tel:|/)", re.I)  # a javascript: or data: address is never shown or linked
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\3(?![\w*])")
CODE = re.compile(r"`([^`]+)`")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# Contractions a tokenizer cut at the apostrophe (exports of some help centres read "don t", "they ll").
_NEG = re.compile(r"\b(can|won|wouldn|couldn|shouldn|don|doesn|didn|isn|aren|wasn|weren|hasn|haven|hadn|ain) t\b", re.I)
_CLITIC = re.compile(r"\b(I|you|we|they|he|she|it|that|there|here|what|who|let) (ll|re|ve|m|d|s)\b", re.I)
_SPACE_PUNCT = re.compile(r"\s+([,.;:!?%)\]])")
_OPEN_SPACE = re.compile(r"([(\[])\s+")
# Only in text a tokenizer spaced out (" , " between words): elsewhere " - " may be a dash and "s" a letter.
_TOKENIZED = re.compile(r"\w \, \w|\w \.(?:\s|$)")
_SPLIT_HYPHEN = re.compile(r"(?<=\w) - (?=[a-z0-9])")
_GLUED_DASH = re.compile(r"(?<=\S) -(?=[A-Z])")  # "age -Depending on": a dash the tokenizer glued to the next word
_POSSESSIVE = re.compile(r"(?<=[a-z]) s\b(?! [-–])")
_SPACED_QUOTE = re.compile(r'"\s+([^"]*?)\s+"')
_PLAIN_HEADING_MAX_WORDS = 10


@dataclass(frozen=True)
class Unit:
    """One piece a reply can quote: a sentence, a list item or a table row, already rendered as plain text."""

    kind: str  # "sentence", "item" or "row"
    text: str
    block: int  # the paragraph, list or table it belongs to
    number: int | None = None  # an ordered list item's number
    header: tuple[str, ...] = ()  # a table row's column names
    cells: tuple[str, ...] = ()
    heading: str = ""  # the (sub)heading the unit sits under, when the section has one inside it
    depth: int = 0  # a list item's nesting (0 = top level)
    source: str = ""  # the unit's own Markdown (links and emphasis kept), for the HTML rendering


def strip_blocks(text: str) -> str:
    """The line without a heading mark, images or HTML tags: what neither rendering shows."""
    return _TAG.sub("", _IMAGE.sub("", _HEADING.sub("", text)))


def inline(text: str, tokenized: bool | None = None) -> str:
    """Plain text of one line of Markdown: no emphasis, code or heading marks, links as "text (url)"."""
    text = _HEADING.sub("", text)
    text = _IMAGE.sub("", text)
    text = LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2) or not SAFE_URL.match(m.group(2)) else f"{m.group(1)} ({m.group(2)})", text)
    text = _TAG.sub("", text)
    text = CODE.sub(r"\1", text)
    for _ in range(2):  # nested emphasis (***bold italic***)
        text = _EMPHASIS.sub(lambda m: m.group(2) if m.group(2) is not None else m.group(4), text)
    return repair(text, tokenized)


def repair(text: str, tokenized: bool | None = None) -> str:
    """Rejoin what a tokenizer split ("can t", "you re", "word , word") and fold runs of spaces;
    `tokenized` says whether the text around it was spaced out (found in the text itself when None)."""
    if tokenized or (tokenized is None and _TOKENIZED.search(text)):
        text = _SPLIT_HYPHEN.sub("-", text)
        text = _GLUED_DASH.sub(" – ", text)
        text = _POSSESSIVE.sub("'s", text)
        text = _SPACED_QUOTE.sub(r'"\1"', text)
    text = _NEG.sub(r"\1't", text)
    text = _CLITIC.sub(lambda m: f"{m.group(1)}'{m.group(2)}", text)
    text = _SPACE_PUNCT.sub(r"\1", text)
    text = _OPEN_SPACE.sub(r"\1", text)
    return " ".join(text.split())


def sentences(paragraph: str) -> list[str]:
    """The paragraph cut at sentence ends (a full stop followed by a capital or a digit)."""
    return [s.strip() for s in _SENTENCE.split(paragraph) if s.strip()]


def unglue_heading(sentence: str) -> str:
    """A sentence without the heading a flattened export glued to its front ("Name Change If you need to
    change your name" -> "If you need to change your name"): a run of capitalised words whose last one is a
    function word opening the sentence ("If", "You", "This") before a lower-case word."""
    words = sentence.split(" ")
    run = 0
    while run < len(words) and run <= _PLAIN_HEADING_MAX_WORDS and words[run][:1].isupper():
        run += 1
    if run < 2 or run >= len(words) or not words[run][:1].islower():
        return sentence
    opener, heading = words[run - 1], words[: run - 1]
    if opener.lower() not in ALL_STOPWORDS or opener == "I" or all(w.lower() in ALL_STOPWORDS for w in heading):
        return sentence
    return " ".join(words[run - 1 :])


def is_plain_heading(line: str, following: str) -> bool:
    """A line of plain text that heads what follows: short, no closing punctuation other than "?", its
    words capitalised or asking a question, and the next line starting a new sentence."""
    text, nxt = line.strip(), following.strip()
    words = text.split()
    if not words or not nxt or len(words) > _PLAIN_HEADING_MAX_WORDS or text[-1] in ".!:;,)" or not text[0].isupper():
        return False
    if not (nxt[0].isupper() or nxt[0].isdigit() or _ITEM.match(nxt)):
        return False
    long = [w for w in words if len(w) > 3 and w[0].isalpha()]
    return text.endswith("?") or bool(long) and all(w[0].isupper() for w in long)


def _cells(line: str) -> list[str]:
    return [inline(c) for c in line.strip().strip("|").split("|")]


def units(section: str) -> list[Unit]:
    """Every quotable unit of a section, in order, each knowing the heading it sits under."""
    out: list[Unit] = []
    block = 0
    heading = ""
    para: list[str] = []
    table: list[str] = []
    in_list = False
    lines = [raw.rstrip() for raw in section.splitlines()]
    spaced = bool(_TOKENIZED.search(section))  # one export, one tokenizer: decided for the whole section

    def flush_para() -> None:
        nonlocal block
        if para:
            raw = " ".join(para)
            for source in sentences(raw):
                text = unglue_heading(inline(source, spaced)) if spaced else inline(source, spaced)
                if text:
                    out.append(Unit("sentence", text, block, heading=heading, source=source))
            para.clear()
            block += 1

    def flush_table() -> None:
        nonlocal block
        rows = [r for r in table if not _TABLE_RULE.match(r)]
        table.clear()
        if not rows:
            return
        header = tuple(_cells(rows[0])) if len(rows) > 1 else ()
        for r in rows[1:] if header else rows:
            cells = tuple(_cells(r))
            out.append(Unit("row", render_row(header, cells), block, header=header, cells=cells, heading=heading, source=r))
        block += 1

    for n, line in enumerate(lines):
        if line.lstrip().startswith("|"):
            flush_para()
            in_list = False
            table.append(line)
            continue
        flush_table()
        following = next((x for x in lines[n + 1 :] if x.strip()), "")
        plain_heading = not para and not in_list and not _ITEM.match(line) and is_plain_heading(line, following)
        if _HEADING.match(line) or plain_heading:
            flush_para()
            if in_list:
                in_list = False
                block += 1
            heading = inline(line)
            continue
        if not line.strip() or line.strip().startswith("```"):
            flush_para()
            continue  # a loose list keeps its items apart with blank lines
        m = _ITEM.match(line)
        if m:
            flush_para()
            number = int(m.group(1)) if m.group(1) else None
            depth = 1 if in_list and len(line) - len(line.lstrip()) >= 2 else 0
            in_list = True
            out.append(Unit("item", inline(m.group(2), spaced), block, number=number, heading=heading, depth=depth, source=m.group(2)))
            continue
        if in_list and line[:1].isspace() and out and out[-1].kind == "item":
            last = out[-1]
            out[-1] = dataclasses.replace(last, text=f"{last.text} {inline(line, spaced)}", source=f"{last.source} {line.strip()}")
            continue
        if in_list:
            in_list = False
            block += 1
        para.append(line.strip())
    flush_para()
    flush_table()
    return out


def render_row(header: tuple[str, ...], cells: tuple[str, ...]) -> str:
    """A table row as one readable line: "First cell: Column two value; Column three value" (with two
    columns the second column's name says nothing the value does not: "Red: No-parking area")."""
    if not header:
        return "; ".join(c for c in cells if c)
    if len(header) == 2 and len(cells) >= 2:
        return f"{cells[0]}: {cells[1]}" if cells[1] else cells[0]
    head, rest = cells[0], cells[1:]
    pairs = [f"{h} {c}" if h else c for h, c in zip(header[1:], rest, strict=False) if c and c not in ("-", "–", "—")]
    return f"{head}: " + "; ".join(pairs) if pairs else head


def as_lines(chosen: list[Unit]) -> str:
    """The chosen units as plain text: sentences of one paragraph joined, list items and rows one a line."""
    parts: list[str] = []
    prev: Unit | None = None
    for u in chosen:
        if u.kind == "sentence" and prev is not None and prev.kind == "sentence" and prev.block == u.block:
            parts[-1] += " " + u.text
        elif u.kind == "item":
            mark = f"{u.number}." if u.number is not None else "-"
            sep = "\n" if prev is not None and prev.kind == "item" and prev.block == u.block else "\n\n"
            parts.append(("" if not parts else sep) + "   " * u.depth + f"{mark} {u.text}")
        elif u.kind == "row":
            sep = "\n" if prev is not None and prev.kind == "row" and prev.block == u.block else "\n\n"
            parts.append(("" if not parts else sep) + f"- {u.text}")
        else:
            parts.append(("" if not parts else "\n\n") + u.text)
        prev = u
    return "".join(parts).strip()
