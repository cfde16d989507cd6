"""Help centres from where they live: a folder of Markdown or HTML files, or a JSONL export.

Folder: one article per `.md`/`.markdown`/`.html`/`.htm` file, the file stem is the doc id, and a
sub-folder named like a language code (`es/`, `fr/`, `pt-br/`) holds translations under the same
stems. JSONL: one `{"doc_id", "title", "text"}` object a line (optionally `"language"`); a `text` that
is an HTML body (as Zendesk Guide exports them) is recognised by its block tags, or by `"html": true`.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from worker.errors import ConfigError
from worker.jsonl import iter_jsonl
from worker.retrieval.chunking import CHUNKER_VERSION, Article, html_to_markdown

DEFAULT_LANGUAGE = "en"
_LANG_DIR = re.compile(r"^[a-z]{2}(-[a-z]{2})?$")
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>|<h1[^>]*>(.*?)</h1>", re.I | re.S)
_TAGS = re.compile(r"<[^>]+>")
_LOOKS_HTML = re.compile(r"<(h[1-6]|p|div|ul|ol|li|br|table|section)\b[^>]*>", re.I)
SUFFIXES = (".md", ".markdown", ".html", ".htm")


class SourceError(ConfigError):
    """A help-centre source that cannot be read: missing, empty or malformed (with file and line)."""


def _language_of(path: Path, root: Path) -> str:
    rel = path.relative_to(root).parts[:-1]
    for part in reversed(rel):
        if _LANG_DIR.match(part.lower()):
            return part.lower()
    return DEFAULT_LANGUAGE


def _read_file(path: Path, root: Path) -> Article:
    raw = path.read_text(encoding="utf-8")
    lang = _language_of(path, root)
    if path.suffix.lower() in (".html", ".htm"):
        m = _HTML_TITLE.search(raw)
        title = _TAGS.sub("", next(g for g in m.groups() if g is not None)).strip() if m else ""
        return Article(path.stem, title, html_to_markdown(raw), lang)
    return Article(path.stem, "", raw, lang)


def _read_folder(root: Path) -> list[Article]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES and p.stem.lower() != "readme")
    return [_read_file(p, root) for p in files]


def _read_jsonl(path: Path) -> list[Article]:
    def bad(n: int, why: Exception) -> SourceError:
        return SourceError(f"{path}:{n}: expected a JSON object with doc_id, title, text ({why})")

    out: list[Article] = []
    for n, row in iter_jsonl(path, error=bad):
        try:
            doc_id, title, text = str(row["doc_id"]), str(row.get("title") or ""), str(row["text"])
        except (KeyError, TypeError) as exc:
            raise bad(n, exc) from exc
        is_html = row["html"] if "html" in row else bool(_LOOKS_HTML.search(text))
        body = html_to_markdown(text) if is_html else text
        out.append(Article(doc_id, title, body, str(row.get("language") or DEFAULT_LANGUAGE).lower()))
    return out


def load_articles(source: Path) -> list[Article]:
    """Every article of the help centre at `source` (a folder or a `.jsonl` file)."""
    if source.is_dir():
        articles = _read_folder(source)
    elif source.is_file() and source.suffix.lower() in (".jsonl", ".ndjson"):
        articles = _read_jsonl(source)
    elif source.is_file() and source.suffix.lower() in SUFFIXES:
        articles = [_read_file(source, source.parent)]
    else:
        raise SourceError(f"help centre {source} is neither a folder of Markdown/HTML files nor a .jsonl file")
    if not articles:
        raise SourceError(f"help centre {source} holds no articles")
    seen: set[tuple[str, str]] = set()
    for a in articles:
        if (a.language, a.doc_id) in seen:
            raise SourceError(f"help centre {source}: doc id {a.doc_id!r} ({a.language}) appears twice")
        seen.add((a.language, a.doc_id))
    return articles


def fingerprint(articles: list[Article]) -> str:
    """One hash of the whole help centre as this version of the chunker splits it: an index built from
    another fingerprint is stale (so is one another chunker split, whose chunks a rebuild replaces)."""
    h = hashlib.sha256(f"chunker {CHUNKER_VERSION}\x1e".encode())
    for a in sorted(articles, key=lambda a: (a.language, a.doc_id)):
        h.update(f"{a.language}\x1f{a.doc_id}\x1f{a.title}\x1f{a.body}\x1e".encode())
    return h.hexdigest()[:24]
