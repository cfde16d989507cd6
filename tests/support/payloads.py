"""Helpdesk webhook payloads shaped like the real ones, and signed requests for them."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from producer.webhooks.signatures import intercom_signature, zendesk_signature

ZD_SECRET = "zd-webhook-secret"
IC_SECRET = "ic-client-secret"


def zendesk_event(kind: str, ticket_id: int, *, event: dict[str, Any] | None = None, description: str = "How do I reset my password?",
                  subject: str = "Password", requester_id: int = 500, event_id: str | None = None) -> dict[str, Any]:
    """A Zendesk ticket event webhook body (`zen:event-type:ticket.<kind>`)."""
    return {
        "type": f"zen:event-type:ticket.{kind}",
        "account_id": 12514403,
        "id": event_id or str(uuid.uuid4()),
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "zendesk_event_version": "2022-11-06",
        "subject": f"zen:ticket:{ticket_id}",
        "detail": {"id": str(ticket_id), "subject": subject, "description": description, "requester_id": str(requester_id),
                   "status": "NEW", "assignee_id": None, "tags": []},
        "event": event or {},
    }


def zendesk_comment(ticket_id: int, body: str, *, comment_id: int, author_id: int = 500, is_staff: bool = False, **kw: Any) -> dict[str, Any]:
    """A `ticket.comment_added` event."""
    ev = {"comment": {"id": str(comment_id), "body": body, "is_public": True, "author": {"id": str(author_id), "is_staff": is_staff, "name": "x"}}}
    return zendesk_event("comment_added", ticket_id, event=ev, **kw)


def zendesk_headers(body: bytes, *, secret: str = ZD_SECRET, at: float | None = None) -> dict[str, str]:
    """Headers Zendesk would send with `body`, signed at `at` (now by default)."""
    ts = datetime.fromtimestamp(at if at is not None else time.time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"Content-Type": "application/json", "X-Zendesk-Webhook-Signature": zendesk_signature(secret, ts, body),
            "X-Zendesk-Webhook-Signature-Timestamp": ts}


def intercom_notification(topic: str, conv: dict[str, Any], *, notif_id: str | None = None) -> dict[str, Any]:
    """An Intercom webhook notification wrapping a conversation."""
    now = int(time.time())
    return {"type": "notification_event", "app_id": "abc123", "id": notif_id or f"notif_{uuid.uuid4()}", "topic": topic,
            "delivery_status": "pending", "delivery_attempts": 1, "first_sent_at": now, "created_at": now,
            "data": {"type": "notification_event_data", "item": conv}}


def intercom_conversation(conv_id: str, body: str, *, contact_id: str = "c-1", parts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A conversation object as Intercom sends it."""
    return {"type": "conversation", "id": conv_id, "state": "open", "admin_assignee_id": None,
            "source": {"type": "conversation", "id": "1", "subject": "", "body": f"<p>{body}</p>", "author": {"type": "user", "id": contact_id}},
            "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": contact_id}]},
            "conversation_parts": {"type": "conversation_part.list", "conversation_parts": parts or [], "total_count": len(parts or [])}}


def part(part_id: str, body: str, *, author_type: str = "user", author_id: str = "c-1", part_type: str = "comment") -> dict[str, Any]:
    """One conversation part."""
    return {"type": "conversation_part", "id": part_id, "part_type": part_type, "body": f"<p>{body}</p>", "author": {"type": author_type, "id": author_id}}


def intercom_headers(body: bytes, *, secret: str = IC_SECRET) -> dict[str, str]:
    """Headers Intercom would send with `body`."""
    return {"Content-Type": "application/json", "X-Hub-Signature": intercom_signature(secret, body)}


def dumps(payload: Any) -> bytes:
    """The exact bytes to sign and send."""
    return json.dumps(payload).encode()
