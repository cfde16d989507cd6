"""Intercom webhook notifications (and polled conversations) -> helpdesk events.

Topics: `conversation.user.created` and `conversation.user.replied` are customer messages;
`conversation.admin.replied`, `.admin.noted`, `.admin.assigned`, `.admin.single.created` and
`.admin.open` mean an agent acted (unless the admin is the bot itself); `ping` and other topics are
acknowledged and ignored. A conversation's first message is `<conversation id>`, a later customer
part `<conversation id>-<part id>`; the thread is the conversation.
"""

from __future__ import annotations

import hashlib
from typing import Any

from producer.enqueue import parse_ticket
from producer.webhooks.events import AgentActed, HelpdeskEvent, NewMessage
from worker.errors import TicketInvalid
from worker.settings import Settings
from worker.sinks.helpdesk import plain

SOURCE = "intercom"
CUSTOMER = {"user", "lead", "contact"}
AGENT_TOPICS = {"conversation.admin.replied", "conversation.admin.noted", "conversation.admin.single.created", "conversation.admin.open"}


def delivery_id(payload: dict[str, Any], body: bytes) -> str:
    """The notification id Intercom repeats on redelivery (a hash of the body when absent)."""
    nid = payload.get("id")
    return str(nid) if isinstance(nid, str) and nid else hashlib.sha256(body).hexdigest()


def parse(payload: Any, settings: Settings) -> list[HelpdeskEvent]:
    """The events in one Intercom notification; TicketInvalid (-> 422, naming the field) when malformed."""
    if not isinstance(payload, dict):
        raise TicketInvalid("body: a JSON object is required", field="body")
    topic = payload.get("topic")
    if not isinstance(topic, str) or not topic:
        raise TicketInvalid("topic: field required", field="topic")
    if not topic.startswith("conversation."):
        return []
    data = payload.get("data")
    item = data.get("item") if isinstance(data, dict) else None
    if not isinstance(item, dict):
        raise TicketInvalid("data.item: a conversation object is required", field="data.item")
    return conversation_events(item, settings, topic=topic)


def _parts(conv: dict[str, Any]) -> list[dict[str, Any]]:
    holder = conv.get("conversation_parts")
    parts = holder.get("conversation_parts") if isinstance(holder, dict) else None
    if not isinstance(parts, list):  # absent, or a wrong type from an untrusted body
        return []
    return [p for p in parts if isinstance(p, dict)]


def _author(p: dict[str, Any]) -> dict[str, Any]:
    a = p.get("author")
    return a if isinstance(a, dict) else {}


def _is_bot(author: dict[str, Any], settings: Settings) -> bool:
    return author.get("type") == "bot" or (settings.intercom_admin_id is not None and str(author.get("id")) == str(settings.intercom_admin_id))


def conversation_events(conv: dict[str, Any], settings: Settings, *, topic: str | None = None) -> list[HelpdeskEvent]:
    """Events for a conversation: its newest part decides (a customer message, or an agent acting)."""
    cid = conv.get("id")
    if cid in (None, ""):
        raise TicketInvalid("data.item.id: field required", field="data.item.id")
    cid = str(cid)
    if topic == "conversation.admin.assigned":
        assignee = conv.get("admin_assignee_id")
        if assignee in (None, "", 0) or str(assignee) == str(settings.intercom_admin_id):
            return []
        return [AgentActed(SOURCE, cid, str(assignee))]
    source = conv.get("source") if isinstance(conv.get("source"), dict) else {}
    assert isinstance(source, dict)
    parts = [p for p in _parts(conv) if p.get("part_type") in ("comment", "note", "assignment", "open", None)]
    last = parts[-1] if parts else None
    author = _author(last) if last else (source.get("author") if isinstance(source.get("author"), dict) else {})
    assert isinstance(author, dict)
    kind = str(author.get("type") or "")
    if kind in ("admin", "team", "bot"):
        if _is_bot(author, settings) or (topic is not None and topic not in AGENT_TOPICS):
            return []
        return [AgentActed(SOURCE, cid, str(author.get("id") or "admin"))]
    if kind not in CUSTOMER:
        return []
    body = last.get("body") if last else source.get("body")
    msg_id = f"{cid}-{last.get('id')}" if last and last.get("id") else cid
    contacts = conv.get("contacts") if isinstance(conv.get("contacts"), dict) else {}
    assert isinstance(contacts, dict)
    listed = contacts.get("contacts") if isinstance(contacts.get("contacts"), list) else []
    first_contact = listed[0] if listed and isinstance(listed[0], dict) else {}
    data = {
        "id": msg_id,
        "customer_id": str(author.get("id") or first_contact.get("id") or "anonymous"),
        "subject": plain(str(source.get("subject") or "")),
        "message": plain(str(body or "")),
        "conversation_id": cid,
        "metadata": {"intercom_conversation_id": cid},
    }
    return [NewMessage(parse_ticket(data, source=SOURCE))]
