"""Intercom write-back: an admin reply and a close, or an admin note (plus assignment and tag) for humans.

Each step checks the conversation first (our reply or note already there, already closed, already
assigned), and a Redis marker is set only when every step succeeded: a redelivered task, or a retry
after a half-done write, finishes the job without posting anything twice.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import redis

from worker.errors import ConfigError
from worker.models import TicketResult
from worker.settings import Settings
from worker.sinks.helpdesk import call, closed_key, done_key, plain, plan_for, ref_line, reply_html, to_html
from worker.state import conversation

log = logging.getLogger("ticketflow.sinks.intercom")
NAME = "intercom"


def configured(settings: Settings) -> bool:
    """Whether write-back to Intercom is on and has what it needs."""
    return bool(settings.intercom_writeback and settings.intercom_access_token and settings.intercom_admin_id)


def build_client(settings: Settings) -> httpx.Client:
    """An httpx client with the Intercom bearer token."""
    if settings.intercom_access_token is None:
        raise ConfigError("Intercom needs TICKETFLOW_INTERCOM_ACCESS_TOKEN and TICKETFLOW_INTERCOM_ADMIN_ID")
    headers = {"Authorization": f"Bearer {settings.intercom_access_token.get_secret_value()}", "Accept": "application/json", "Intercom-Version": "2.11"}
    return httpx.Client(base_url=settings.intercom_base_url.rstrip("/"), headers=headers, timeout=settings.helpdesk_timeout_s)


def conversation_id_of(result: TicketResult) -> str:
    """The Intercom conversation this result answers."""
    return str(result.ticket.metadata.get("intercom_conversation_id") or result.ticket.thread_id)


def _admin_texts(conv: dict[str, Any], admin_id: str) -> list[str]:
    parts = ((conv.get("conversation_parts") or {}).get("conversation_parts")) or []
    return [plain(p.get("body") or "") for p in parts if str((p.get("author") or {}).get("id")) == admin_id and p.get("body")]


def admin_owns(conv: dict[str, Any], bot_admin_id: str) -> bool:
    """Whether the conversation itself says an agent has it: assigned to an admin other than the bot, or snoozed.

    A team assignee alone does not count: inbox routing gives every conversation one.
    """
    assignee = conv.get("admin_assignee_id")
    if assignee not in (None, "", 0, "0") and str(assignee) != bot_admin_id:
        return True
    return conv.get("state") == "snoozed"


class IntercomSink:
    """Writes results back to Intercom conversations through an injected httpx client."""

    name = NAME

    def __init__(self, settings: Settings, client: httpx.Client) -> None:
        self.settings = settings
        self.client = client
        self.admin_id = str(settings.intercom_admin_id or "")

    def deliver(self, result: TicketResult, r: redis.Redis) -> None:
        """Reply and close, or note (assign, tag); each step skipped when the conversation shows it done."""
        done = done_key(NAME, result)
        if r.exists(done):
            return
        cid = conversation_id_of(result)
        conv = call(self.client, "GET", f"/conversations/{cid}", sink=NAME)
        posted = _admin_texts(conv, self.admin_id)
        ref = ref_line(result)
        reply_text = plain(reply_html(result) or to_html(result.reply or ""))  # as it reads once posted (a "<" in the text is text)
        already = any(ref in t for t in posted) or bool(reply_text and reply_text in posted)
        # Checked right before posting: an agent who acted since the decision wins, whether a webhook
        # said so or the conversation itself does (admin assignee, snoozed).
        owns = conversation.human_owns(r, NAME, result.ticket.thread_id) or (
            self.settings.respect_helpdesk_assignee and admin_owns(conv, self.admin_id))
        plan = plan_for(result, human_owns=owns, settings=self.settings)
        if not already:
            kind = "comment" if plan.public else "note"
            body = {"message_type": kind, "type": "admin", "admin_id": self.admin_id, "body": plan.html or to_html(plan.body)}
            conv = call(self.client, "POST", f"/conversations/{cid}/reply", sink=NAME, json=body)
        if plan.close and conv.get("state") != "closed" and not owns:
            call(self.client, "POST", f"/conversations/{cid}/parts", sink=NAME, json={"message_type": "close", "type": "admin", "admin_id": self.admin_id})
        assignee = self.settings.intercom_escalation_assignee_id
        if plan.assign and assignee and str(conv.get("admin_assignee_id") or "") != assignee:
            call(self.client, "POST", f"/conversations/{cid}/parts", sink=NAME,
                 json={"message_type": "assignment", "type": "admin", "admin_id": self.admin_id, "assignee_id": assignee})
        tag_id = self.settings.intercom_escalation_tag_id
        if plan.tag == self.settings.escalation_tag and tag_id:
            call(self.client, "POST", f"/conversations/{cid}/tags", sink=NAME, json={"id": tag_id, "admin_id": self.admin_id})
        pipe = r.pipeline()
        pipe.set(done, "1", ex=self.settings.dedupe_ttl_s)
        if plan.close:
            pipe.set(closed_key(NAME, result.ticket.thread_id), result.ticket.uid, ex=self.settings.conversation_ttl_s)
        pipe.execute()
