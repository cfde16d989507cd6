"""What a helpdesk write-back posts (pure), and the HTTP call every helpdesk sink makes through one seam.

Decision -> plan:
  auto_reply            public reply, then solve/close
  auto_reply, but an agent owns the thread   internal note only ("not sent")
  draft                 internal note with the draft, tagged for an agent to send
  escalate              internal note with the reasons, the draft if any and its citations; tagged, assigned
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import redis

from worker import keys
from worker.errors import Deferred, SinkRejected, SinkUnavailable
from worker.models import TicketResult
from worker.reliability.retrying import retry_after_header
from worker.replies import note
from worker.settings import Settings


class HelpdeskBusy(SinkUnavailable):
    """The helpdesk answered 429 or 5xx, or could not be reached; `retry_after` is its own hint, if any."""

    def __init__(self, message: str, *, sink: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, sink=sink, status=status)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Plan:
    """What to write on the helpdesk for one result."""

    public: bool  # a reply the customer sees, or an internal note for agents
    body: str
    close: bool = False  # solve (Zendesk) / close (Intercom) after the reply
    tag: str | None = None
    assign: bool = False  # hand to the configured human queue
    html: str | None = None  # the public reply as HTML, for helpdesks whose comments render it


def plan_for(result: TicketResult, *, human_owns: bool, settings: Settings) -> Plan:
    """The write-back for a result; once an agent owns the thread nothing public is ever posted."""
    action = result.decision.action if result.decision else "escalate"
    if action == "auto_reply" and result.reply and not human_owns:
        return Plan(public=True, body=result.reply, close=True, html=reply_html(result))
    if action == "auto_reply":
        return Plan(public=False, body=note_text(result, "ticketflow drafted a reply but an agent owns this ticket, so it was NOT sent."))
    if action == "draft" and not human_owns:
        return Plan(public=False, body=note_text(result, "ticketflow draft, not sent: review it and send it if it is right."), tag=settings.draft_tag)
    if action == "draft":
        return Plan(public=False, body=note_text(result, "ticketflow draft, not sent (an agent owns this ticket)."))
    heading = "ticketflow escalated this ticket to a human."
    return Plan(public=False, body=note_text(result, heading), tag=settings.escalation_tag, assign=not human_owns)


def note_text(result: TicketResult, heading: str) -> str:
    """The internal note: why, the draft if any, its sources, and a reference that makes re-posting detectable."""
    lines = [heading]
    if result.decision and result.decision.reasons:
        lines.append("Reasons: " + ", ".join(result.decision.reasons))
    if result.classification:
        c = result.classification
        lines.append(f"Intent: {c.intent} (confidence {c.confidence:.2f}), urgency: {c.urgency}")
    if result.failure:
        lines.append(f"Automation failed at {result.failure.stage}: {result.failure.error}")
    if result.draft and (draft_heading := note.draft_heading(result)):
        lines += ["", draft_heading, result.draft.text.strip()]
        if result.draft.citations:
            lines += ["", "Sources:"] + [f"- {c.title}" + (f" / {c.section}" if c.section else "") + f" ({c.doc_id})" for c in result.draft.citations]
    lines += ["", ref_line(result)]
    return "\n".join(lines)


def reply_html(result: TicketResult) -> str | None:
    """The public reply as the draft's own HTML rendering (steps as a list, links, emphasis) when the reply is
    that draft; None when there is none (a model's plain reply), and the plain text is sent as it is."""
    draft = result.draft
    if draft is not None and draft.html and result.reply == draft.text:
        return draft.html
    return None


def ref_line(result: TicketResult) -> str:
    """The line every note carries: finding it on the helpdesk means this result was already written."""
    return f"[ticketflow ref {result.ticket.uid}]"


def marker_tag(result: TicketResult) -> str:
    """A helpdesk tag unique to this result (tags allow letters, digits and underscores)."""
    return "ticketflow_" + hashlib.sha1(result.ticket.uid.encode()).hexdigest()[:12]


_BLOCK_TAG = re.compile(r"</?(p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|pre|hr)\b[^>]*>", re.I)
_ANY_TAG = re.compile(r"<[^>]+>")
_URL = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]")


def plain(text: str) -> str:
    """Text of an HTML body, whitespace folded, for comparing what was posted with what we would post.

    Block tags part words, inline ones (<b>, <a>, <span>) do not: "<b>Hi</b>!" is "Hi!", not "Hi !"."""
    no_tags = _ANY_TAG.sub("", _BLOCK_TAG.sub(" ", text or ""))
    return " ".join(html.unescape(no_tags).split())


def _line_html(line: str) -> str:
    """One escaped line, its web addresses made links (the text stays as written, so `plain` gives it back)."""
    out, last = [], 0
    for m in _URL.finditer(line):
        url = m.group(0)
        out += [html.escape(line[last : m.start()]), f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>']
        last = m.end()
    out.append(html.escape(line[last:]))
    return "".join(out)


def to_html(text: str) -> str:
    """A plain-text reply as HTML, how Intercom bodies render: paragraphs at blank lines, a line break per
    step or list line, web addresses as links, everything escaped; `plain(to_html(t))` reads as `t`."""
    paras = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join("<p>" + "<br>".join(_line_html(line.strip()) for line in p.splitlines()) + "</p>" for p in paras)


def done_key(sink: str, result: TicketResult) -> str:
    """The Redis marker set once this result is written back."""
    return keys.sink_done_key(sink, result.ticket.uid)


_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


@contextlib.contextmanager
def claimed(r: redis.Redis, sink: str, result: TicketResult, ttl_s: float) -> Iterator[None]:
    """One write-back of a result at a time, cluster-wide: check-then-post is not atomic on the helpdesk.

    Two deliveries of one result can run at once (a redelivered escalate queues the write-back again;
    RabbitMQ redelivers a dead worker's tasks the moment it dies): both would see no marker and both post.
    The loser waits (Deferred, spending no retry) and then finds the winner's marker. A worker that dies holding the
    claim keeps it for `ttl_s`, past the helpdesk timeout, so a post it had on the wire lands first.
    """
    key = keys.sink_done_key(f"{sink}:claim", result.ticket.uid)
    token = uuid.uuid4().hex
    if not r.set(key, token, nx=True, px=int(ttl_s * 1000)):
        left = r.pttl(key)
        # Not a failure of this write-back: a wait for the other one (it spends no retry; the deadline still holds).
        raise Deferred(f"{sink} write-back of {result.ticket.uid} already in progress", provider=sink,
                       retry_after=max(float(left) / 1000, 0.5) if isinstance(left, int) and left > 0 else ttl_s)
    try:
        yield
    finally:
        with contextlib.suppress(redis.RedisError):
            r.eval(_RELEASE, 1, key, token)


def closed_key(sink: str, thread_id: str) -> str:
    """Set when the bot solved/closed a thread, so a later customer message counts as a reopen."""
    return keys.sink_done_key(f"{sink}:closed", thread_id)


def call(client: httpx.Client, method: str, url: str, *, sink: str, json: dict[str, Any] | None = None, params: dict[str, Any] | None = None) -> Any:
    """One helpdesk request: JSON back, or HelpdeskBusy (retry) / SinkRejected (give up) saying why."""
    try:
        resp = client.request(method, url, json=json, params=params)
    except httpx.TransportError as exc:
        raise HelpdeskBusy(f"{sink} unreachable: {type(exc).__name__}: {exc}", sink=sink) from exc
    status = resp.status_code
    if status == 429 or status >= 500:
        raise HelpdeskBusy(f"{sink} answered {status} to {method} {url}", sink=sink, status=status, retry_after=retry_after(resp))
    if status >= 400:
        raise SinkRejected(f"{sink} answered {status} to {method} {url}: {resp.text[:300]}", sink=sink, status=status)
    if not resp.content:
        return {}
    try:
        return resp.json()
    except ValueError as exc:
        raise SinkRejected(f"{sink} answered non-JSON to {method} {url}", sink=sink, status=status) from exc


def retry_after(resp: httpx.Response) -> float | None:
    """Seconds from the response's Retry-After header (seconds or an HTTP date), if present and sane."""
    return retry_after_header(resp.headers)
