"""Text clean-up shared by classifier and retrieval: strip HTML, e-mail quoting and signatures."""

from __future__ import annotations

import html
import re
import unicodedata

_TAG = re.compile(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", re.S | re.I)
_QUOTE_HEADER = re.compile(
    r"^(on .{0,200} wrote:|-{2,} ?original message ?-{2,}|from: .*|sent from my .*|le .{0,200} a écrit ?:|el .{0,200} escribió:)\s*$",
    re.I,
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.U)


def clean(text: str) -> str:
    """Plain text of a ticket: HTML removed, entities decoded, quoted replies and signatures cut."""
    text = html.unescape(_TAG.sub(" ", text)) if "<" in text or "&" in text else text
    text = unicodedata.normalize("NFKC", text)
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if _QUOTE_HEADER.match(stripped):
            break
        if stripped.startswith(">"):
            continue
        if stripped in ("--", "-- "):
            break
        lines.append(line)
    out = "\n".join(lines).strip()
    return out or text.strip()


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (Unicode letters and digits)."""
    return [t.replace("’", "'") for t in _WORD.findall(text.lower())]


STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "does", "did", "for", "from", "has", "have", "how", "i", "i'm", "if", "in", "into", "is", "it", "its", "it's", "me", "my", "of", "on", "or", "our", "so", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your", "yours", "hi", "hello", "hey", "thanks", "thank", "please", "regards", "dear", "am", "been", "being", "get", "got", "just", "any", "some", "all", "also", "not", "no"]
)


def content_tokens(text: str) -> list[str]:
    """Tokens without stop words, for retrieval and topic keys."""
    return [t for t in tokens(text) if t not in STOPWORDS and len(t) > 1]
