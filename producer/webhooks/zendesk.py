"""Zendesk webhook payloads -> helpdesk events.

Two shapes are understood:
- ticket event webhooks (`"type": "zen:event-type:ticket.…"`): `ticket.created`, `ticket.comment_added`,
  `ticket.agent_assignment_changed`, `ticket.status_changed`; other types are acknowledged and ignored;
- a trigger webhook with the JSON body documented in the README (`ticket_id`, `comment_id`, `message`, …).

Ticket ids: a ticket's first message is `<ticket id>`, a later customer comment `<ticket id>-<comment id>`,
so the `created` event and the first `comment_added` of the same ticket are one ticket, enqueued once.
The thread (conversation) is the Zendesk ticket.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from producer.enqueue import parse_ticket
from producer.webhooks.events import AgentActed, HelpdeskEvent, NewMessage, Reopened
from worker.errors import TicketInvalid
from worker.settings import Settings

SOURCE = "zendesk"
PREFIX = "zen:event-type:"
SOLVED = {"solved", "closed"}
REOPEN = {"new", "open", "pending", "hold"}


def _field(d: dict[str, Any], name: str, where: str) -> Any:
    v = d.get(name)
    if v is None or v == "":
        raise TicketInvalid(f"{where}{name}: field required", field=f"{where}{name}")
    return v


def _obj(d: Any, name: str) -> dict[str, Any]:
    v = d.get(name) if isinstance(d, dict) else None
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise TicketInvalid(f"{name}: must be an object", field=name)
    return v


def _thread_of(payload: dict[str, Any], detail: dict[str, Any]) -> str:
    tid = detail.get("id")
    if tid is None and str(payload.get("subject", "")).startswith("zen:ticket:"):
        tid = str(payload["subject"]).split(":")[-1]
    if tid is None or not str(tid).strip().isdigit():
        raise TicketInvalid("detail.id: a numeric Zendesk ticket id is required", field="detail.id")
    return str(tid).strip()


def _message(thread: str, msg_id: str, text: Any, *, requester: Any, subject: Any, comment_id: Any = None) -> NewMessage:
    data = {
        "id": msg_id,
        "customer_id": str(requester) if requester not in (None, "") else "anonymous",
        "subject": subject or "",
        "message": text,
        "conversation_id": thread,
        "metadata": {"zendesk_ticket_id": thread, **({"zendesk_comment_id": str(comment_id)} if comment_id else {})},
    }
    return NewMessage(parse_ticket(data, source=SOURCE))


def delivery_id(payload: dict[str, Any], body: bytes) -> str:
    """The event id Zendesk repeats on redelivery (a hash of the body when the payload has none)."""
    eid = payload.get("id") if isinstance(payload.get("id"), str) else None
    return eid or hashlib.sha256(body).hexdigest()


def parse(payload: Any, settings: Settings) -> list[HelpdeskEvent]:
    """The events in one Zendesk webhook; TicketInvalid (-> 422, naming the field) when it is malformed."""
    if not isinstance(payload, dict):
        raise TicketInvalid("body: a JSON object is required", field="body")
    kind = payload.get("type")
    if isinstance(kind, str) and kind.startswith(PREFIX):
        return _ticket_event(kind[len(PREFIX):], payload, settings)
    if "ticket_id" in payload:
        return _trigger(payload, settings)
    raise TicketInvalid("type: a zen:event-type:ticket.* event or a trigger payload with ticket_id is required", field="type")


def _is_bot(author_id: Any, settings: Settings) -> bool:
    return settings.zendesk_bot_user_id is not None and str(author_id) == str(settings.zendesk_bot_user_id)


def _ticket_event(kind: str, payload: dict[str, Any], settings: Settings) -> list[HelpdeskEvent]:
    detail = _obj(payload, "detail")
    event = _obj(payload, "event")
    thread = _thread_of(payload, detail)
    if kind == "ticket.created":
        text = _field(detail, "description", "detail.")
        return [_message(thread, thread, text, requester=detail.get("requester_id"), subject=detail.get("subject"))]
    if kind == "ticket.comment_added":
        comment = _obj(event, "comment")
        author = _obj(comment, "author")
        body = _field(comment, "body", "event.comment.")
        author_id = author.get("id")
        if author.get("is_staff"):
            # An agent's comment (public reply or note) means a human has the ticket; our own do not.
            if _is_bot(author_id, settings) or "[ticketflow ref " in str(body):
                return []
            return [AgentActed(SOURCE, thread, str(author_id or "agent"))]
        first = str(body).strip() == str(detail.get("description") or "").strip()
        cid = comment.get("id")
        msg_id = thread if first or cid in (None, "") else f"{thread}-{cid}"
        return [_message(thread, msg_id, body, requester=detail.get("requester_id") or author_id, subject=detail.get("subject"), comment_id=cid)]
    if kind == "ticket.agent_assignment_changed":
        current = event.get("current")
        if current in (None, "", 0, "0") or _is_bot(current, settings):
            return []
        return [AgentActed(SOURCE, thread, str(current))]
    if kind == "ticket.status_changed":
        prev, cur = str(event.get("previous", "")).lower(), str(event.get("current", "")).lower()
        return [Reopened(SOURCE, thread)] if prev in SOLVED and cur in REOPEN else []
    return []


def _trigger(payload: dict[str, Any], settings: Settings) -> list[HelpdeskEvent]:
    thread = str(payload.get("ticket_id", "")).strip()
    if not thread.isdigit():
        raise TicketInvalid("ticket_id: a numeric Zendesk ticket id is required", field="ticket_id")
    role = str(payload.get("author_role") or "end-user").lower()
    author = payload.get("author_id")
    if role in ("agent", "admin"):
        return [] if _is_bot(author, settings) else [AgentActed(SOURCE, thread, str(author or "agent"))]
    cid = str(payload.get("comment_id") or "").strip()
    message = str(payload.get("message") or "")
    if not cid.isdigit():
        # No (rendered) comment id: the message text identifies the comment, so a resend is still a duplicate.
        cid = "h" + hashlib.sha1(message.strip().encode()).hexdigest()[:12]
    first = message.strip() == str(payload.get("description") or "").strip()
    msg_id = thread if first else f"{thread}-{cid}"
    return [_message(thread, msg_id, payload.get("message"), requester=payload.get("requester_id") or author, subject=payload.get("subject"), comment_id=cid)]


TRIGGER_BODY = json.dumps(
    {
        "ticket_id": "{{ticket.id}}",
        "comment_id": "{{ticket.latest_comment.id}}",
        "subject": "{{ticket.title}}",
        "message": "{{ticket.latest_comment.value}}",
        "description": "{{ticket.description}}",
        "requester_id": "{{ticket.requester.id}}",
        "author_id": "{{current_user.id}}",
        "author_role": "{{current_user.role}}",
    },
    indent=2,
)
"""The JSON body to give a Zendesk trigger webhook ("Ticket is created or updated")."""
