"""Small local HTTP servers that behave like the Zendesk and Intercom REST APIs, for the parts ticketflow uses.

They keep tickets / conversations in memory, record every request, check the auth header, and can
answer 429 (with Retry-After) or 5xx on demand, so the sinks and pollers are tested through a real
HTTP client. Run one by hand with `python -m devkit.fakes.helpdesk zendesk --port 8081`; `GET /_calls` lists
what it received.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from worker.sinks.helpdesk import plain

_BREAK = re.compile(r"<br\s*/?>|</li>", re.I)
_PARA = re.compile(r"</p>|</ol>|</ul>", re.I)


def _text_of_html(html_body: str) -> str:
    """Roughly the plain `body` Zendesk derives from an html_body: paragraphs and list items on their own lines."""
    text = _PARA.sub("\n\n", _BREAK.sub("\n", html_body))
    lines = "\n".join(plain(line) for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", lines).strip()


@dataclass
class Call:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    status: int = 0


@dataclass
class _Failure:
    status: int
    retry_after: float | None
    path_re: re.Pattern[str] | None


Route = tuple[str, re.Pattern[str], str]


class FakeServer:
    """Base: an HTTP server on 127.0.0.1 in a thread, recording calls and failing on demand."""

    routes: tuple[Route, ...] = ()

    def __init__(self, *, port: int = 0, auth: str | None = None) -> None:
        self.calls: list[Call] = []
        self.auth = auth  # the exact Authorization header expected (None: any non-empty one)
        self._failures: list[_Failure] = []
        self._lock = threading.RLock()
        self._ids = itertools.count(9000)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- control -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL of the fake."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(self, n: int, status: int = 503, *, retry_after: float | None = None, path: str | None = None) -> None:
        """Answer the next `n` requests (matching `path`, a regex, if given) with `status`."""
        with self._lock:
            rx = re.compile(path) if path else None
            self._failures.extend(_Failure(status, retry_after, rx) for _ in range(n))

    def requests(self, method: str | None = None, path: str | None = None) -> list[Call]:
        """Recorded calls that succeeded (2xx), filtered by method and a path regex."""
        with self._lock:
            return [
                c for c in self.calls
                if 200 <= c.status < 300 and (method is None or c.method == method) and (path is None or re.search(path, c.path))
            ]

    def next_id(self) -> int:
        """A fresh numeric id."""
        return next(self._ids)

    # --- plumbing ------------------------------------------------------------------------------
    def _take_failure(self, path: str) -> _Failure | None:
        with self._lock:
            for i, f in enumerate(self._failures):
                if f.path_re is None or f.path_re.search(path):
                    return self._failures.pop(i)
        return None

    def _authorized(self, header: str) -> bool:
        return bool(header) if self.auth is None else header == self.auth

    def _dispatch(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        for m, rx, name in self.routes:
            if m != method:
                continue
            match = rx.fullmatch(path)
            if match:
                with self._lock:
                    out: tuple[int, Any] = getattr(self, name)(query, body, *match.groups())
                    return out
        return 404, {"error": "RecordNotFound", "description": f"no route {method} {path}"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                call = Call(method, parts.path, query, body, {k.lower(): v for k, v in self.headers.items()})
                with fake._lock:
                    fake.calls.append(call)
                headers: dict[str, str] = {}
                if method == "GET" and parts.path == "/_calls":  # what was recorded, for runs by hand
                    with fake._lock:
                        fake.calls.remove(call)
                        listing = [{"method": c.method, "path": c.path, "status": c.status, "body": c.body} for c in fake.calls]
                    self._reply(200, listing, headers)
                    return
                failure = fake._take_failure(parts.path)
                if not fake._authorized(self.headers.get("Authorization", "")):
                    status, out = 401, {"error": "Couldn't authenticate you"}
                elif failure is not None:
                    status, out = failure.status, {"error": "injected failure"}
                    if failure.retry_after is not None:
                        headers["Retry-After"] = f"{failure.retry_after:g}"
                elif body is not None and not isinstance(body, dict):
                    status, out = 400, {"error": "body must be a JSON object"}
                else:
                    status, out = fake._dispatch(method, parts.path, query, body or {})
                call.status = status
                self._reply(status, out, headers)

            def _reply(self, status: int, out: Any, headers: dict[str, str]) -> None:
                data = json.dumps(out).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

            def do_PUT(self) -> None:  # noqa: N802
                self._serve("PUT")

        return Handler


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


class FakeZendesk(FakeServer):
    """Tickets, comments, updates and the incremental cursor export of the Zendesk Support API."""

    routes = (
        ("GET", re.compile(r"/api/v2/tickets/(\d+)\.json"), "_show"),
        ("PUT", re.compile(r"/api/v2/tickets/(\d+)\.json"), "_update"),
        ("GET", re.compile(r"/api/v2/tickets/(\d+)/comments\.json"), "_comments"),
        ("GET", re.compile(r"/api/v2/incremental/tickets/cursor\.json"), "_export"),
    )

    def __init__(self, *, port: int = 0, email: str | None = None, token: str | None = None, bot_user_id: int = 1) -> None:
        auth = None
        if email and token:
            auth = "Basic " + base64.b64encode(f"{email}/token:{token}".encode()).decode()
        super().__init__(port=port, auth=auth)
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.bot_user_id = bot_user_id
        self.autocreate = False  # an unknown ticket id is created on first use (for runs by hand)
        self._seq = itertools.count(1)

    # --- test helpers --------------------------------------------------------------------------
    def add_ticket(self, ticket_id: int, message: str, *, subject: str = "", requester_id: int = 500, status: str = "new", updated_at: float | None = None,
                   assignee_id: int | None = None) -> dict[str, Any]:
        """Create a ticket as a customer would, with its first comment (already assigned, if `assignee_id`)."""
        with self._lock:
            ts = updated_at if updated_at is not None else time.time()
            t = {"id": ticket_id, "subject": subject, "description": message, "status": status, "requester_id": requester_id,
                 "assignee_id": assignee_id, "group_id": None, "tags": [], "created_at": _iso(ts), "updated_at": _iso(ts),
                 "generated_timestamp": int(ts), "_seq": next(self._seq)}
            self.tickets[ticket_id] = t
            self.comments[ticket_id] = [{"id": self.next_id(), "body": message, "public": True, "author_id": requester_id, "created_at": _iso(ts)}]
            return t

    def add_comment(self, ticket_id: int, body: str, *, author_id: int, public: bool = True, status: str | None = None) -> dict[str, Any]:
        """Add a comment (by the requester or an agent) and bump the ticket's update time."""
        with self._lock:
            c = {"id": self.next_id(), "body": body, "public": public, "author_id": author_id, "created_at": _iso(time.time())}
            self.comments[ticket_id].append(c)
            t = self.tickets[ticket_id]
            if status:
                t["status"] = status
            self._touch(t)
            return c

    def public_comments(self, ticket_id: int, *, by_bot: bool = True) -> list[dict[str, Any]]:
        """Public comments on a ticket (by default only the bot's)."""
        return [c for c in self.comments.get(ticket_id, []) if c["public"] and (not by_bot or c["author_id"] == self.bot_user_id)]

    def private_comments(self, ticket_id: int) -> list[dict[str, Any]]:
        """Internal notes on a ticket."""
        return [c for c in self.comments.get(ticket_id, []) if not c["public"]]

    def _touch(self, t: dict[str, Any]) -> None:
        now = time.time()
        t["updated_at"] = _iso(now)
        t["generated_timestamp"] = int(now)
        t["_seq"] = next(self._seq)

    @staticmethod
    def _public(t: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in t.items() if not k.startswith("_")}

    # --- routes --------------------------------------------------------------------------------
    def _autocreate(self, tid: str) -> None:
        if self.autocreate and int(tid) not in self.tickets:
            self.add_ticket(int(tid), "(created by the fake)", status="open")

    def _show(self, query: dict[str, str], body: Any, tid: str) -> tuple[int, Any]:
        self._autocreate(tid)
        t = self.tickets.get(int(tid))
        return (200, {"ticket": self._public(t)}) if t else (404, {"error": "RecordNotFound"})

    def _comments(self, query: dict[str, str], body: Any, tid: str) -> tuple[int, Any]:
        if int(tid) not in self.tickets:
            return 404, {"error": "RecordNotFound"}
        return 200, {"comments": list(self.comments[int(tid)]), "next_page": None}

    def _update(self, query: dict[str, str], body: Any, tid: str) -> tuple[int, Any]:
        self._autocreate(tid)
        t = self.tickets.get(int(tid))
        upd = body.get("ticket") if isinstance(body, dict) else None
        if t is None:
            return 404, {"error": "RecordNotFound"}
        if not isinstance(upd, dict):
            return 400, {"error": "InvalidEndpoint", "description": "body must be {\"ticket\": {...}}"}
        events: list[dict[str, Any]] = []
        comment = upd.get("comment")
        if comment is not None:
            if not isinstance(comment, dict) or not str(comment.get("body") or comment.get("html_body") or "").strip():
                return 422, {"error": "RecordInvalid", "details": {"comment": "body is required"}}
            # As Zendesk does: a comment sent as html_body keeps it, and its body is the plain text of it.
            html_body = comment.get("html_body")
            c = {"id": self.next_id(), "body": comment.get("body") or _text_of_html(str(html_body)), "public": bool(comment.get("public", True)),
                 "author_id": comment.get("author_id", self.bot_user_id), "created_at": _iso(time.time())}
            if html_body:
                c["html_body"] = html_body
            self.comments[int(tid)].append(c)
            events.append({"type": "Comment", **c})
        if "status" in upd:
            if upd["status"] not in ("new", "open", "pending", "hold", "solved", "closed"):
                return 422, {"error": "RecordInvalid", "details": {"status": "invalid"}}
            t["status"] = upd["status"]
        if "tags" in upd:
            t["tags"] = list(upd["tags"])
        for tag in upd.get("additional_tags") or []:
            if tag not in t["tags"]:
                t["tags"].append(tag)
        for k in ("group_id", "assignee_id"):
            if k in upd:
                t[k] = upd[k]
        self._touch(t)
        return 200, {"ticket": self._public(t), "audit": {"id": self.next_id(), "ticket_id": int(tid), "events": events}}

    def _export(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        per_page = int(query.get("per_page", "100"))
        ordered = sorted(self.tickets.values(), key=lambda t: t["_seq"])
        if "cursor" in query:
            after = int(base64.urlsafe_b64decode(query["cursor"].encode()).decode())
        elif "start_time" in query:
            start = int(query["start_time"])
            after = max((t["_seq"] for t in ordered if t["generated_timestamp"] < start), default=0)
        else:
            return 400, {"error": "InvalidPaginationParameter", "description": "start_time or cursor is required"}
        page = [t for t in ordered if t["_seq"] > after][:per_page]
        last = page[-1]["_seq"] if page else after
        cursor = base64.urlsafe_b64encode(str(last).encode()).decode()
        remaining = [t for t in ordered if t["_seq"] > last]
        return 200, {"tickets": [self._public(t) for t in page], "after_cursor": cursor, "before_cursor": None,
                     "after_url": f"{self.url}/api/v2/incremental/tickets/cursor.json?cursor={cursor}", "end_of_stream": not remaining}


class FakeIntercom(FakeServer):
    """Conversations, replies, notes, close, assignment, tags and search of the Intercom REST API."""

    routes = (
        ("GET", re.compile(r"/conversations/(\w+)"), "_show"),
        ("POST", re.compile(r"/conversations/search"), "_search"),
        ("POST", re.compile(r"/conversations/(\w+)/reply"), "_reply"),
        ("POST", re.compile(r"/conversations/(\w+)/parts"), "_part"),
        ("POST", re.compile(r"/conversations/(\w+)/tags"), "_tag"),
    )

    def __init__(self, *, port: int = 0, token: str | None = None, admin_id: str = "991") -> None:
        super().__init__(port=port, auth=f"Bearer {token}" if token else None)
        self.conversations: dict[str, dict[str, Any]] = {}
        self.admin_id = admin_id
        self._seq = itertools.count(1)

    # --- test helpers --------------------------------------------------------------------------
    def add_conversation(self, conv_id: str, message: str, *, contact_id: str = "c-1", subject: str = "", state: str = "open",
                         admin_assignee_id: str | int | None = None, team_assignee_id: str | None = None) -> dict[str, Any]:
        """A conversation started by a contact (already assigned to an admin and/or a team, if given)."""
        with self._lock:
            now = int(time.time())
            c = {"type": "conversation", "id": conv_id, "created_at": now, "updated_at": now, "state": state, "open": state == "open",
                 "admin_assignee_id": admin_assignee_id, "team_assignee_id": team_assignee_id, "tags": {"type": "tag.list", "tags": []},
                 "source": {"type": "conversation", "id": str(self.next_id()), "delivered_as": "customer_initiated", "subject": subject,
                            "body": f"<p>{message}</p>", "author": {"type": "user", "id": contact_id}},
                 "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": contact_id}]},
                 "conversation_parts": {"type": "conversation_part.list", "conversation_parts": [], "total_count": 0}, "_seq": next(self._seq)}
            self.conversations[conv_id] = c
            return c

    def add_part(self, conv_id: str, body: str, *, author_type: str = "user", author_id: str = "c-1", part_type: str = "comment") -> dict[str, Any]:
        """A reply by the contact (or an admin) on a conversation; a contact reply reopens it."""
        with self._lock:
            c = self.conversations[conv_id]
            part = {"type": "conversation_part", "id": str(self.next_id()), "part_type": part_type, "body": f"<p>{body}</p>",
                    "created_at": int(time.time()), "author": {"type": author_type, "id": author_id}}
            self._append(c, part)
            if author_type == "user":
                c["state"], c["open"] = "open", True
            return part

    def parts(self, conv_id: str, part_type: str | None = None, *, by_bot: bool = True) -> list[dict[str, Any]]:
        """Parts of a conversation, by type, by default only the bot admin's."""
        out = self.conversations[conv_id]["conversation_parts"]["conversation_parts"]
        return [p for p in out if (part_type is None or p["part_type"] == part_type) and (not by_bot or p["author"]["id"] == self.admin_id)]

    def _append(self, c: dict[str, Any], part: dict[str, Any]) -> None:
        lst = c["conversation_parts"]
        lst["conversation_parts"].append(part)
        lst["total_count"] = len(lst["conversation_parts"])
        c["updated_at"] = int(time.time())
        c["_seq"] = next(self._seq)

    @staticmethod
    def _public(c: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in c.items() if not k.startswith("_")}

    def _admin_part(self, c: dict[str, Any], body: dict[str, Any], part_type: str) -> tuple[int, Any]:
        if body.get("type") != "admin" or not body.get("admin_id"):
            return 400, {"type": "error.list", "errors": [{"code": "parameter_invalid", "message": "type admin and admin_id are required"}]}
        part = {"type": "conversation_part", "id": str(self.next_id()), "part_type": part_type, "body": body.get("body"),
                "created_at": int(time.time()), "author": {"type": "admin", "id": str(body["admin_id"])}}
        self._append(c, part)
        return 200, self._public(c)

    # --- routes --------------------------------------------------------------------------------
    def _show(self, query: dict[str, str], body: Any, cid: str) -> tuple[int, Any]:
        c = self.conversations.get(cid)
        return (200, self._public(c)) if c else (404, {"type": "error.list", "errors": [{"code": "not_found"}]})

    def _reply(self, query: dict[str, str], body: Any, cid: str) -> tuple[int, Any]:
        c = self.conversations.get(cid)
        if c is None:
            return 404, {"type": "error.list", "errors": [{"code": "not_found"}]}
        kind = body.get("message_type")
        if kind not in ("comment", "note") or not str(body.get("body") or "").strip():
            return 400, {"type": "error.list", "errors": [{"code": "parameter_invalid", "message": "message_type and body are required"}]}
        return self._admin_part(c, body, kind)

    def _part(self, query: dict[str, str], body: Any, cid: str) -> tuple[int, Any]:
        c = self.conversations.get(cid)
        if c is None:
            return 404, {"type": "error.list", "errors": [{"code": "not_found"}]}
        kind = body.get("message_type")
        if kind == "close":
            c["state"], c["open"] = "closed", False
        elif kind == "open":
            c["state"], c["open"] = "open", True
        elif kind == "assignment":
            c["admin_assignee_id"] = body.get("assignee_id")
        else:
            return 400, {"type": "error.list", "errors": [{"code": "parameter_invalid", "message": f"unknown message_type {kind!r}"}]}
        return self._admin_part(c, body, kind)

    def _tag(self, query: dict[str, str], body: Any, cid: str) -> tuple[int, Any]:
        c = self.conversations.get(cid)
        if c is None:
            return 404, {"type": "error.list", "errors": [{"code": "not_found"}]}
        tag = {"type": "tag", "id": str(body.get("id")), "name": str(body.get("id"))}
        if tag not in c["tags"]["tags"]:
            c["tags"]["tags"].append(tag)
        return 200, tag

    def _search(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        q = body.get("query") or {}
        if q.get("field") != "updated_at" or q.get("operator") not in (">", "<"):
            return 400, {"type": "error.list", "errors": [{"code": "parameter_invalid", "message": "this fake searches updated_at > value only"}]}
        since = int(q.get("value", 0))
        pag = body.get("pagination") or {}
        per_page = int(pag.get("per_page", 20))
        after = int(pag.get("starting_after") or 0)
        # Ordered by the fake's update sequence: stable across pages, like Intercom's cursor.
        hits = sorted((c for c in self.conversations.values() if c["updated_at"] > since), key=lambda c: c["_seq"])
        page = [c for c in hits if c["_seq"] > after][:per_page]
        more = bool(page) and any(c["_seq"] > page[-1]["_seq"] for c in hits)
        pages: dict[str, Any] = {"type": "pages", "per_page": per_page, "total_pages": max(1, -(-len(hits) // per_page))}
        if more:
            pages["next"] = {"per_page": per_page, "starting_after": str(page[-1]["_seq"])}
        return 200, {"type": "conversation.list", "conversations": [self._public(c) for c in page], "total_count": len(hits), "pages": pages}


def main() -> None:
    """Run one fake until interrupted: `python -m devkit.fakes.helpdesk zendesk|intercom --port N`."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("kind", choices=("zendesk", "intercom"))
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    fake: FakeServer
    if args.kind == "zendesk":
        fake = FakeZendesk(port=args.port)
        fake.autocreate = True
    else:
        fake = FakeIntercom(port=args.port)
    fake.start()
    print(fake.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
