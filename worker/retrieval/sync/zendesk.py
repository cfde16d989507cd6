"""Zendesk Guide articles: a full listing per locale, then the incremental article export from its start time.

Full (first sync, `--full`, or every TICKETFLOW_HELPCENTER_RECONCILE_S):
    GET /api/v2/help_center/locales.json                                   (when no locales are configured)
    GET /api/v2/help_center/{locale}/articles.json?page[size]=N&include=sections,categories
        cursor pagination: follow `links.next` while `meta.has_more`
    The listing is the whole published help centre: an article deleted or archived there is absent,
    so it leaves the index.
Incremental (every other sync):
    GET /api/v2/help_center/incremental/articles.json?start_time=T&include=sections,categories
        every article whose metadata changed after T; `next_page` carries the next start time and
        `end_time` the last one, which the next sync starts from.
    A changed article that is a draft now (unpublished) is removed; a deleted or archived article
    does not show up in the export, which is why the full listing runs now and then.
Sections and categories are sideloaded: an article's context line is "Category > Section".
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import httpx

from worker.errors import SyncFailed
from worker.retrieval.sync.base import Record, Sleep, SourceState, get_json, markdown_of

NAME = "zendesk"
INCLUDE = "sections,categories"
MAX_PAGES = 10_000  # a runaway pagination guard, far above any real help centre


def _epoch(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _context(article: dict[str, Any], sections: dict[str, dict[str, Any]], categories: dict[str, str]) -> str:
    section = sections.get(str(article.get("section_id")))
    if section is None:
        return ""
    parts = [categories.get(str(section.get("category_id")), ""), str(section.get("name") or "")]
    return " > ".join(p for p in parts if p)


def _sideloads(page: dict[str, Any], sections: dict[str, dict[str, Any]], categories: dict[str, str]) -> None:
    for s in page.get("sections") or []:
        sections[str(s.get("id"))] = s
    for c in page.get("categories") or []:
        categories[str(c.get("id"))] = str(c.get("name") or "")


def _record(article: dict[str, Any], context: str) -> Record:
    return Record(
        id=str(article["id"]), locale=str(article.get("locale") or "").lower(), title=str(article.get("title") or article.get("name") or ""),
        body=markdown_of(str(article.get("body") or "")), context=context, updated_at=_epoch(article.get("updated_at")), url=str(article.get("html_url") or ""),
    )


def _published(article: dict[str, Any]) -> bool:
    # The API answers an agent with drafts too; `draft` is per translation. Archived articles are not listed at all.
    return not article.get("draft") and bool(article.get("body") or article.get("title"))


def locales_of(client: httpx.Client, *, sleep: Sleep, max_wait_s: float) -> list[str]:
    """Every locale the help centre is published in."""
    data = get_json(client, "/api/v2/help_center/locales.json", source=NAME, sleep=sleep, max_wait_s=max_wait_s)
    return [str(x).lower() for x in data.get("locales") or []] or [str(data.get("default_locale") or "en-us").lower()]


def list_locale(client: httpx.Client, locale: str, *, page_size: int, sleep: Sleep, max_wait_s: float) -> tuple[list[Record], int, float]:
    """Every published article of one locale (full listing, cursor pagination); returns (records, requests made,
    the latest change time listed: the server's clock, where the incremental export goes on from)."""
    sections: dict[str, dict[str, Any]] = {}
    categories: dict[str, str] = {}
    raw: list[dict[str, Any]] = []
    url: str | None = f"/api/v2/help_center/{locale}/articles.json"
    params: dict[str, Any] | None = {"page[size]": page_size, "include": INCLUDE}
    requests = 0
    while url is not None:
        page = get_json(client, url, source=NAME, params=params, sleep=sleep, max_wait_s=max_wait_s)
        requests += 1
        _sideloads(page, sections, categories)
        raw.extend(a for a in page.get("articles") or [] if isinstance(a, dict))
        meta, links = page.get("meta") or {}, page.get("links") or {}
        url, params = (str(links["next"]), None) if meta.get("has_more") and links.get("next") else (None, None)
        if requests > MAX_PAGES:
            raise SyncFailed(f"zendesk: {locale} listing did not end after {MAX_PAGES} pages", source=NAME)
    latest = max((_epoch(a.get("updated_at")) for a in raw), default=0.0)
    return [_record(a, _context(a, sections, categories)) for a in raw if _published(a) and a.get("id") is not None], requests, latest


def export_since(client: httpx.Client, start_time: int, *, sleep: Sleep, max_wait_s: float) -> tuple[list[dict[str, Any]], int, int, dict[str, str]]:
    """Articles changed after `start_time` (the incremental export, every page); returns (articles, end time, requests, contexts by key)."""
    sections: dict[str, dict[str, Any]] = {}
    categories: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    url: str | None = "/api/v2/help_center/incremental/articles.json"
    params: dict[str, Any] | None = {"start_time": start_time, "include": INCLUDE}
    end, requests, seen_urls = start_time, 0, set()
    while url is not None:
        page = get_json(client, url, source=NAME, params=params, sleep=sleep, max_wait_s=max_wait_s)
        requests += 1
        _sideloads(page, sections, categories)
        out.extend(a for a in page.get("articles") or [] if isinstance(a, dict) and a.get("id") is not None)
        end = max(end, int(page.get("end_time") or end))
        nxt = page.get("next_page")
        # The next page's start time is the last item's change time; a page that cannot move it on ends the export.
        if not nxt or page.get("end_of_stream") or not page.get("articles") or str(nxt) in seen_urls or requests > MAX_PAGES:
            break
        seen_urls.add(str(nxt))
        url, params = str(nxt), None
    contexts = {f"{a['id']}/{str(a.get('locale') or '').lower()}": _context(a, sections, categories) for a in out}
    return out, end, requests, contexts


def fetch(
    client: httpx.Client, previous: SourceState, *, locales: frozenset[str], page_size: int = 100, reconcile_s: float = 3600.0,
    full: bool = False, now: float | None = None, sleep: Sleep = time.sleep, max_wait_s: float = 120.0,
) -> tuple[SourceState, dict[str, Any]]:
    """The help centre's published articles after this sync, and what the sync did (mode, requests)."""
    now = time.time() if now is None else now
    start = previous.cursor.get("start_time")
    reconciled = float(previous.cursor.get("reconciled_at") or 0.0)
    if full or start is None or now - reconciled >= reconcile_s:
        wanted = sorted(locales) if locales else locales_of(client, sleep=sleep, max_wait_s=max_wait_s)
        records: dict[str, Record] = {}
        requests, latest = 0, 0.0
        for loc in wanted:
            recs, n, last = list_locale(client, loc, page_size=page_size, sleep=sleep, max_wait_s=max_wait_s)
            records.update((r.key, r) for r in recs)
            requests, latest = requests + n, max(latest, last)
        # The export goes on from the latest change listed (the server's clock, not ours); a change made while
        # the listing ran comes again in the next export: an upsert, so harmless.
        since = int(latest) if latest else int(start or now)
        return SourceState(records, {"start_time": since, "reconciled_at": now, "locales": wanted}), {"mode": "full", "requests": requests}
    articles, end, requests, contexts = export_since(client, int(start), sleep=sleep, max_wait_s=max_wait_s)
    records = dict(previous.records)
    for a in articles:
        loc = str(a.get("locale") or "").lower()
        if locales and loc not in locales:
            continue
        key = f"{a['id']}/{loc}"
        if _published(a):
            records[key] = _record(a, contexts.get(key, ""))
        else:
            records.pop(key, None)
    cursor = {**previous.cursor, "start_time": end}
    return SourceState(records, cursor), {"mode": "incremental", "requests": requests, "changed": len(articles)}
