"""Local stand-ins for the help-centre APIs a sync reads: Zendesk Guide and Intercom Articles.

They speak the published response shapes for the parts ticketflow uses (see worker/retrieval/sync/),
keep articles in memory, and inherit from the helpdesk fakes' base: every request recorded, the auth
header checked, and `fail_next(n, 429, retry_after=...)` to answer busy on demand.

    FakeGuide     /api/v2/help_center/locales.json
                  /api/v2/help_center/{locale}/articles.json   cursor pagination (page[size], page[after])
                  /api/v2/help_center/incremental/articles.json start_time, next_page, end_time
                  sideloads (include=sections,categories)
    FakeArticles  /articles and /help_center/collections       page / per_page, pages.next as a URL

Edit the help centre with `put` / `unpublish` / `delete`; every edit moves the fake's clock a second on,
so the incremental export's start times order the changes as Zendesk's do.
"""

from __future__ import annotations

import base64
import re
import time
from typing import Any
from urllib.parse import urlencode

from devkit.fakes.helpdesk import FakeServer, _iso


def _cursor(n: int) -> str:
    return base64.urlsafe_b64encode(str(n).encode()).decode()


def _uncursor(s: str) -> int:
    return int(base64.urlsafe_b64decode(s.encode()).decode())


class FakeGuide(FakeServer):
    """Zendesk Guide articles in locales, with sections and categories."""

    routes = (
        ("GET", re.compile(r"/api/v2/help_center/locales(?:\.json)?"), "_locales"),
        ("GET", re.compile(r"/api/v2/help_center/incremental/articles(?:\.json)?"), "_incremental"),
        ("GET", re.compile(r"/api/v2/help_center/([a-z]{2}(?:-[a-z]{2})?)/articles(?:\.json)?"), "_list"),
    )

    def __init__(self, *, port: int = 0, email: str | None = None, token: str | None = None, default_locale: str = "en-us") -> None:
        auth = "Basic " + base64.b64encode(f"{email}/token:{token}".encode()).decode() if email and token else None
        super().__init__(port=port, auth=auth)
        self.default_locale = default_locale
        self.articles: dict[tuple[int, str], dict[str, Any]] = {}  # (id, locale) -> translation as the API shows it
        self.sections: dict[int, dict[str, Any]] = {}
        self.categories: dict[int, dict[str, Any]] = {}
        self.clock = float(int(time.time()) - 86_400)  # epoch seconds; each edit moves it on

    def _tick(self) -> float:
        self.clock += 1.0
        return self.clock

    # --- the help centre, edited by tests -----------------------------------------------------
    def add_section(self, section_id: int, name: str, *, category_id: int, category: str) -> None:
        """A category and a section in it."""
        with self._lock:
            self.categories[category_id] = {"id": category_id, "name": category, "locale": self.default_locale}
            self.sections[section_id] = {"id": section_id, "name": name, "category_id": category_id, "locale": self.default_locale}

    def put(self, article_id: int, title: str, body: str, *, locale: str | None = None, section_id: int | None = None, draft: bool = False) -> None:
        """Create or edit one translation of an article."""
        with self._lock:
            loc = locale or self.default_locale
            ts = self._tick()
            self.articles[(article_id, loc)] = {
                "id": article_id, "url": f"{self.url}/api/v2/help_center/{loc}/articles/{article_id}.json",
                "html_url": f"{self.url}/hc/{loc}/articles/{article_id}", "title": title, "name": title, "body": body,
                "locale": loc, "source_locale": self.default_locale, "draft": draft, "outdated": False, "section_id": section_id,
                "author_id": 1, "created_at": _iso(ts), "updated_at": _iso(ts), "edited_at": _iso(ts), "_ts": ts,
            }

    def unpublish(self, article_id: int, locale: str | None = None) -> None:
        """Make a translation a draft again (it stays in the API, flagged `draft: true`)."""
        with self._lock:
            a = self.articles[(article_id, locale or self.default_locale)]
            ts = self._tick()
            a.update(draft=True, updated_at=_iso(ts), _ts=ts)

    def delete(self, article_id: int) -> None:
        """Delete (or archive) an article: every translation disappears from listings and the export."""
        with self._lock:
            for key in [k for k in self.articles if k[0] == article_id]:
                del self.articles[key]

    # --- the API -------------------------------------------------------------------------------
    @staticmethod
    def _public(a: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in a.items() if not k.startswith("_")}

    def _sideload(self, query: dict[str, str], page: list[dict[str, Any]]) -> dict[str, Any]:
        wanted = set(query.get("include", "").split(","))
        sec_ids = {a["section_id"] for a in page if a.get("section_id") in self.sections}
        out: dict[str, Any] = {}
        if "sections" in wanted:
            out["sections"] = [self.sections[i] for i in sorted(sec_ids)]
        if "categories" in wanted:
            out["categories"] = [self.categories[c] for c in sorted({self.sections[i]["category_id"] for i in sec_ids})]
        return out

    def _locales(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        locs = sorted({loc for _, loc in self.articles} | {self.default_locale})
        return 200, {"locales": locs, "default_locale": self.default_locale}

    def _list(self, query: dict[str, str], body: Any, locale: str) -> tuple[int, Any]:
        size = min(int(query.get("page[size]", "30")), 100)
        rows = sorted((a for (aid, loc), a in self.articles.items() if loc == locale), key=lambda a: a["id"])
        after = _uncursor(query["page[after]"]) if query.get("page[after]") else -1
        page = [a for a in rows if a["id"] > after][:size]
        more = bool(page) and any(a["id"] > page[-1]["id"] for a in rows)
        cur = _cursor(page[-1]["id"]) if page else None
        nxt = f"{self.url}/api/v2/help_center/{locale}/articles.json?" + urlencode({"page[size]": size, "page[after]": cur or "", **({"include": query["include"]} if "include" in query else {})})
        return 200, {"articles": [self._public(a) for a in page], **self._sideload(query, page),
                     "meta": {"has_more": more, "after_cursor": cur, "before_cursor": _cursor(page[0]["id"]) if page else None},
                     "links": {"next": nxt if more else None, "prev": None}}

    def _incremental(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if "start_time" not in query:
            return 400, {"error": "InvalidPaginationParameter", "description": "start_time is required"}
        start = int(query["start_time"])
        per_page = int(query.get("per_page", "1000"))  # Zendesk's page is up to 1,000 articles; smaller here to test paging
        rows = sorted((a for a in self.articles.values() if a["_ts"] > start), key=lambda a: (a["_ts"], a["id"], a["locale"]))
        page = rows[:per_page]
        end = int(page[-1]["_ts"]) if page else start
        more = len(rows) > len(page)
        nxt = f"{self.url}/api/v2/help_center/incremental/articles.json?" + urlencode({"start_time": end, **{k: v for k, v in query.items() if k != "start_time"}})
        return 200, {"articles": [self._public(a) for a in page], **self._sideload(query, page), "count": len(page),
                     "end_time": end, "next_page": nxt if more else None}


class FakeArticles(FakeServer):
    """Intercom's Articles API: articles with translated content, and help-centre collections."""

    routes = (
        ("GET", re.compile(r"/articles"), "_articles"),
        ("GET", re.compile(r"/help_center/collections"), "_collections"),
    )

    def __init__(self, *, port: int = 0, token: str | None = None, default_locale: str = "en") -> None:
        super().__init__(port=port, auth=f"Bearer {token}" if token else None)
        self.default_locale = default_locale
        self.articles: dict[str, dict[str, Any]] = {}
        self.collections: dict[str, dict[str, Any]] = {}

    def add_collection(self, collection_id: str, name: str) -> None:
        """A help-centre collection articles can sit in."""
        with self._lock:
            self.collections[collection_id] = {"id": collection_id, "type": "collection", "workspace_id": "ws1", "name": name,
                                               "default_locale": self.default_locale, "parent_id": None}

    def put(self, article_id: str, title: str, body: str, *, locale: str | None = None, state: str = "published", collection_id: str | None = None) -> None:
        """Create or edit an article's content in one locale (the default locale is the article's top level)."""
        with self._lock:
            now = int(time.time())
            loc = locale or self.default_locale
            content = {"type": "article_content", "title": title, "description": "", "body": body, "author_id": 991, "state": state,
                       "created_at": now, "updated_at": now, "url": f"{self.url}/help/{loc}/articles/{article_id}"}
            a = self.articles.setdefault(article_id, {
                "type": "article", "id": article_id, "workspace_id": "ws1", "parent_id": collection_id, "parent_type": "collection",
                "default_locale": self.default_locale, "translated_content": {"type": "article_translated_content"}, **content,
            })
            if collection_id is not None:
                a["parent_id"] = collection_id
            if loc == self.default_locale:
                a.update(content)
            a["translated_content"][loc] = content
            a["updated_at"] = now

    def delete(self, article_id: str) -> None:
        """Delete an article (DELETE /articles/{id} in Intercom): it is no longer listed."""
        with self._lock:
            self.articles.pop(article_id, None)

    def _paged(self, items: list[dict[str, Any]], query: dict[str, str], path: str) -> dict[str, Any]:
        page, per_page = int(query.get("page", "1")), min(int(query.get("per_page", "50")), 150)
        total = max(1, -(-len(items) // per_page))
        pages: dict[str, Any] = {"type": "pages", "page": page, "per_page": per_page, "total_pages": total}
        if page < total:
            pages["next"] = f"{self.url}{path}?" + urlencode({"page": page + 1, "per_page": per_page})
        return {"type": "list", "pages": pages, "total_count": len(items), "data": items[(page - 1) * per_page: page * per_page]}

    def _articles(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        # Intercom lists articles most recently updated first.
        rows = sorted(self.articles.values(), key=lambda a: (-a["updated_at"], a["id"]))
        return 200, self._paged(rows, query, "/articles")

    def _collections(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        return 200, self._paged(sorted(self.collections.values(), key=lambda c: c["id"]), query, "/help_center/collections")


def html_of(markdown: str, n: int) -> str:
    """A Markdown article as the HTML body a helpdesk serves, with a line that makes variation `n` distinct."""
    out = []
    for block in markdown.split("\n\n"):
        block = block.strip()
        if block.startswith("#"):
            out.append(f"<h2>{block.lstrip('#').strip()}</h2>")
        elif block:
            out.append(f"<p>{block}</p>")
    out.append(f"<p>Reference number {n} for this variation of the article.</p>")
    return "".join(out)


def seed(fake: FakeGuide | FakeArticles, articles: int, locales: list[str]) -> None:
    """`articles` articles in every locale, drawn from the team's help centre (corpus/help), repeated as needed."""
    from worker.retrieval.sources import load_articles
    from worker.settings import ROOT

    base = load_articles(ROOT / "corpus" / "help")
    if isinstance(fake, FakeGuide):
        fake.add_section(1, "Help", category_id=1, category="General")
    else:
        fake.add_collection("1", "Help")
    for i in range(articles):
        a = base[i % len(base)]
        for loc in locales:
            if isinstance(fake, FakeGuide):
                fake.put(1000 + i, f"{a.title or a.doc_id} ({i})", html_of(a.body, i), locale=loc, section_id=1)
            else:
                fake.put(str(1000 + i), f"{a.title or a.doc_id} ({i})", html_of(a.body, i), locale=loc, collection_id="1")


def main() -> None:
    """Run one stand-in until interrupted: `python -m devkit.fakes.helpcenter zendesk|intercom --port N --articles 66`."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=("zendesk", "intercom"))
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--articles", type=int, default=66, help="seeded from corpus/help")
    ap.add_argument("--locales", default="", help="default: en-us,es (Zendesk) / en,es (Intercom)")
    args = ap.parse_args()
    fake: FakeGuide | FakeArticles = FakeGuide(port=args.port) if args.kind == "zendesk" else FakeArticles(port=args.port)
    locales = [x for x in args.locales.split(",") if x] or ([fake.default_locale, "es"])
    seed(fake, args.articles, locales)
    fake.start()
    print(fake.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
