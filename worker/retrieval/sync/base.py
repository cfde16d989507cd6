"""What every helpdesk sync shares: the article records it keeps, the state between syncs, locales, and one GET.

    Record        one published translation of one article (id, locale, title, body as Markdown, context)
    SourceState   the records of one source and its cursors, carried from sync to sync in the snapshot
    get_json      one GET through the injected httpx client, waiting out 429 / 503 with Retry-After
    to_articles   records -> retrieval Articles, locales mapped to the language codes retrieval uses

A record is keyed `id/locale`; a sync replaces or removes records and the index build (keyed by content
hash) re-embeds only the chunks whose text changed.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from worker.errors import SyncFailed
from worker.retrieval.chunking import Article, html_to_markdown
from worker.retrieval.language import normalize

Sleep = Callable[[float], None]
RETRIES = 5  # 429/5xx answers waited out per request before the sync gives up
BUSY = frozenset({429, 500, 502, 503, 504})
LOCAL = "local"  # a folder or JSONL published to the cluster: doc ids stay the files' own


@dataclass(frozen=True)
class Record:
    """One published article in one locale, as the helpdesk serves it."""

    id: str
    locale: str
    title: str
    body: str  # Markdown: an HTML body is converted once, when it is fetched (a sync re-reads every record)
    context: str = ""  # "Category > Section" (Zendesk) or the collection (Intercom)
    updated_at: float = 0.0
    url: str = ""

    @property
    def key(self) -> str:
        """`id/locale`: the unit a sync adds, replaces or removes."""
        return f"{self.id}/{self.locale}"


@dataclass
class SourceState:
    """One source's records and its cursors (Zendesk: the incremental export's start time)."""

    records: dict[str, Record] = field(default_factory=dict)
    cursor: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """JSON-ready, for the snapshot store."""
        return {"records": [asdict(r) for r in self.records.values()], "cursor": self.cursor}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SourceState:
        """The inverse of `as_json` (an empty state for None)."""
        if not data:
            return cls()
        records = [Record(**r) for r in data.get("records", [])]
        return cls({r.key: r for r in records}, dict(data.get("cursor") or {}))


def markdown_of(html: str) -> str:
    """An article's HTML body as the Markdown chunking splits at its headings."""
    return html_to_markdown(html) if html.strip() else ""


def wanted_locales(setting: str) -> frozenset[str]:
    """TICKETFLOW_HELPCENTER_LOCALES as a set of lower-case locales; empty = every locale."""
    return frozenset(x.strip().lower() for x in setting.split(",") if x.strip())


def language_for(locale: str) -> str:
    """A helpdesk locale (`en-us`, `pt-BR`, `fr`) as the language code retrieval and detection use (`en`, `pt`, `fr`)."""
    return normalize(locale) or "en"


def to_articles(source: str, records: Iterable[Record]) -> list[Article]:
    """Retrieval articles (doc id `source-id`, a local folder's own ids); of two locales of one language
    (`en-us`, `en-gb`) the plainer wins."""
    chosen: dict[tuple[str, str], Record] = {}
    for rec in sorted(records, key=lambda r: (r.id, r.locale != language_for(r.locale), len(r.locale), r.locale)):
        chosen.setdefault((rec.id, language_for(rec.locale)), rec)
    out = []
    for (rid, lang), rec in sorted(chosen.items()):
        body = rec.body
        if rec.context:
            body = f"*{rec.context}*\n\n{body}"
        out.append(Article(rid if source == LOCAL else f"{source}-{rid}", rec.title, body, lang))
    return out


def retry_after(resp: httpx.Response, now: float) -> float | None:
    """The server's own wait hint: Retry-After (seconds or an HTTP date), else Intercom's X-RateLimit-Reset (epoch)."""
    raw = resp.headers.get("retry-after")
    if raw:
        try:
            return max(float(raw), 0.0)
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(raw) if raw else None
            return max(parsed.timestamp() - now, 0.0) if parsed else None
    reset = resp.headers.get("x-ratelimit-reset")
    if reset and reset.isdigit():
        return max(float(reset) - now, 0.0)
    return None


def get_json(
    client: httpx.Client, url: str, *, source: str, params: dict[str, Any] | None = None,
    sleep: Sleep = time.sleep, max_wait_s: float = 120.0,
) -> dict[str, Any]:
    """GET `url` (relative to the client's base URL, or absolute as a next-page link is) and return its JSON.

    429 and 5xx are waited out (Retry-After when the server gives one, else a short backoff) up to
    RETRIES times; a wait longer than `max_wait_s`, a 4xx, or a body that is not JSON fails the sync.
    """
    for attempt in range(RETRIES + 1):
        try:
            resp = client.get(url, params=params)
        except httpx.HTTPError as exc:
            if attempt == RETRIES:
                raise SyncFailed(f"{source}: {url} unreachable: {type(exc).__name__}: {exc}", source=source) from exc
            sleep(min(2.0**attempt * 0.5, max_wait_s))
            continue
        if resp.status_code in BUSY and attempt < RETRIES:
            hint = retry_after(resp, time.time())
            wait = min(2.0**attempt * 0.5, 30.0, max_wait_s) if hint is None else hint
            if wait > max_wait_s:  # only the server's own hint can be longer than we wait
                raise SyncFailed(f"{source}: {url} asks to wait {wait:.0f}s (more than {max_wait_s:.0f}s)", source=source, status=resp.status_code)
            sleep(wait)
            continue
        if resp.status_code >= 400:
            raise SyncFailed(f"{source}: GET {url} answered {resp.status_code}: {resp.text[:200]}", source=source, status=resp.status_code)
        try:
            data = resp.json()
        except ValueError as exc:
            raise SyncFailed(f"{source}: GET {url} answered a body that is not JSON", source=source, status=resp.status_code) from exc
        if not isinstance(data, dict):
            raise SyncFailed(f"{source}: GET {url} answered JSON that is not an object", source=source, status=resp.status_code)
        return data
    raise SyncFailed(f"{source}: {url} still busy after {RETRIES} retries", source=source)  # pragma: no cover (loop returns or raises)
