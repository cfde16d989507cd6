"""Intercom articles: the Articles API listed in full every sync (it has no change feed), one record per published locale.

    GET /help_center/collections?page=N&per_page=M     collection names, the articles' context
    GET /articles?page=N&per_page=M                    {"type": "list", "data": [...], "pages": {"next": ...}}
        follow `pages.next` (a URL, or in newer versions an object with `page`) until there is none.
An article carries its default language's content at the top (`state`, `title`, `body`,
`default_locale`) and every other locale in `translated_content.{locale}`, each with its own `state`:
only `published` content is served. An article deleted (or unpublished) in Intercom is absent from
the listing (or a draft), so it leaves the index; the index build re-embeds only changed chunks.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from worker.errors import SyncFailed
from worker.retrieval.sync.base import Record, Sleep, SourceState, get_json, markdown_of

NAME = "intercom"
MAX_PAGES = 10_000


def _pages(client: httpx.Client, path: str, *, per_page: int, sleep: Sleep, max_wait_s: float) -> tuple[list[dict[str, Any]], int]:
    """Every item of a paged Intercom list; returns (items, requests made)."""
    items: list[dict[str, Any]] = []
    url: str | None = path
    params: dict[str, Any] | None = {"page": 1, "per_page": per_page}
    requests = 0
    while url is not None:
        data = get_json(client, url, source=NAME, params=params, sleep=sleep, max_wait_s=max_wait_s)
        requests += 1
        items.extend(x for x in data.get("data") or [] if isinstance(x, dict))
        nxt = (data.get("pages") or {}).get("next")
        if isinstance(nxt, str) and nxt:
            url, params = nxt, None
        elif isinstance(nxt, dict) and nxt.get("page"):
            url, params = path, {"page": int(nxt["page"]), "per_page": per_page}
        else:
            url = None
        if requests > MAX_PAGES:
            raise SyncFailed(f"intercom: {path} did not end after {MAX_PAGES} pages", source=NAME)
    return items, requests


def _record(aid: str, locale: str, content: dict[str, Any], context: str) -> Record:
    return Record(id=aid, locale=locale.lower(), title=str(content.get("title") or ""), body=markdown_of(str(content.get("body") or "")),
                  context=context, updated_at=float(content.get("updated_at") or 0), url=str(content.get("url") or ""))


def records_of(article: dict[str, Any], collections: dict[str, str], locales: frozenset[str]) -> list[Record]:
    """The published locales of one listed article (the default language's content and its translations)."""
    aid = str(article["id"])
    context = collections.get(str(article.get("parent_id")), "")
    contents: dict[str, dict[str, Any]] = {str(article.get("default_locale") or "en").lower(): article}
    for loc, content in (article.get("translated_content") or {}).items():
        if isinstance(content, dict) and loc != "type":
            contents.setdefault(loc.lower(), content)
    return [
        _record(aid, loc, c, context) for loc, c in sorted(contents.items())
        if c.get("state") == "published" and (not locales or loc in locales) and (c.get("body") or c.get("title"))
    ]


def fetch(
    client: httpx.Client, previous: SourceState, *, locales: frozenset[str], page_size: int = 50,
    full: bool = True, now: float | None = None, sleep: Sleep = time.sleep, max_wait_s: float = 120.0,
) -> tuple[SourceState, dict[str, Any]]:
    """The workspace's published articles now (every sync is a full listing), and what the sync did."""
    colls, n_c = _pages(client, "/help_center/collections", per_page=page_size, sleep=sleep, max_wait_s=max_wait_s)
    names = {str(c.get("id")): str(c.get("name") or "") for c in colls}
    articles, n_a = _pages(client, "/articles", per_page=page_size, sleep=sleep, max_wait_s=max_wait_s)
    records = {r.key: r for a in articles if a.get("id") is not None for r in records_of(a, names, locales)}
    now = time.time() if now is None else now
    return SourceState(records, {"listed_at": now}), {"mode": "full", "requests": n_c + n_a, "listed": len(articles)}
