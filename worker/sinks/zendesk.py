"""Zendesk write-back: a public comment and `solved`, or an internal note tagged (and grouped) for humans.

Idempotent twice over: a Redis marker set only after success, and a tag unique to the result that
goes on the ticket in the same update as the comment, so a redelivered task that lost its marker
still finds the tag on the ticket and posts nothing.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import httpx
import redis

from worker.errors import ConfigError, SinkRejected
from worker.models import TicketResult
from worker.settings import Settings
from worker.sinks.helpdesk import call, closed_key, done_key, marker_tag, plan_for
from worker.state import conversation

log = logging.getLogger("ticketflow.sinks.zendesk")
NAME = "zendesk"


def base_url(settings: Settings) -> str | None:
    """The Zendesk API root: the explicit base URL, else the subdomain's."""
    if settings.zendesk_base_url:
        return settings.zendesk_base_url.rstrip("/")
    if settings.zendesk_subdomain:
        return f"https://{settings.zendesk_subdomain}.zendesk.com"
    return None


def configured(settings: Settings) -> bool:
    """Whether write-back to Zendesk is on and has what it needs."""
    return bool(settings.zendesk_writeback and base_url(settings) and settings.zendesk_email and settings.zendesk_api_token)


def build_client(settings: Settings) -> httpx.Client:
    """An httpx client with Zendesk's API-token basic auth (`email/token:TOKEN`)."""
    url = base_url(settings)
    if not url or not settings.zendesk_email or settings.zendesk_api_token is None:
        raise ConfigError("Zendesk needs TICKETFLOW_ZENDESK_SUBDOMAIN (or _BASE_URL), _EMAIL and _API_TOKEN")
    cred = f"{settings.zendesk_email}/token:{settings.zendesk_api_token.get_secret_value()}"
    auth = "Basic " + base64.b64encode(cred.encode()).decode()
    return httpx.Client(base_url=url, headers={"Authorization": auth, "Accept": "application/json"}, timeout=settings.helpdesk_timeout_s)


def agent_owns(ticket: dict[str, Any], bot_user_id: str | None) -> bool:
    """Whether the ticket itself says an agent has it: assigned to someone other than the bot, or pending/on hold.

    Covers what the webhook flag can miss (a lost webhook, a trigger or round robin that assigned it).
    Without a bot user id, any assignee counts as an agent.
    """
    assignee = ticket.get("assignee_id")
    if assignee not in (None, "") and (bot_user_id is None or str(assignee) != bot_user_id):
        return True
    return ticket.get("status") in ("pending", "hold")


def ticket_id_of(result: TicketResult) -> str:
    """The Zendesk ticket this result answers."""
    tid = str(result.ticket.metadata.get("zendesk_ticket_id") or result.ticket.thread_id)
    if not tid.isdigit():
        raise SinkRejected(f"not a Zendesk ticket id: {tid!r}", sink=NAME)
    return tid


class ZendeskSink:
    """Writes results back to Zendesk tickets through an injected httpx client."""

    name = NAME

    def __init__(self, settings: Settings, client: httpx.Client) -> None:
        self.settings = settings
        self.client = client

    def deliver(self, result: TicketResult, r: redis.Redis) -> None:
        """Post once: reply + solve, or an internal note; nothing public once an agent owns the ticket."""
        done = done_key(NAME, result)
        if r.exists(done):
            return
        tid = ticket_id_of(result)
        marker = marker_tag(result)
        ticket = call(self.client, "GET", f"/api/v2/tickets/{tid}.json", sink=NAME).get("ticket") or {}
        if marker in (ticket.get("tags") or []):
            log.info("already written back, marker tag found", extra={"ticket_id": result.ticket.uid})
            r.set(done, "1", ex=self.settings.dedupe_ttl_s)
            return
        # Checked right before posting: an agent who acted since the decision wins, whether a webhook
        # said so or the ticket itself does (assignee, pending/hold).
        owns = conversation.human_owns(r, NAME, result.ticket.thread_id) or (
            self.settings.respect_helpdesk_assignee and agent_owns(ticket, self.settings.zendesk_bot_user_id))
        plan = plan_for(result, human_owns=owns, settings=self.settings)
        update: dict[str, Any] = {
            # Zendesk renders html_body (lists, links); notes stay plain text, as agents read them.
            "comment": {"html_body": plan.html, "public": plan.public} if plan.html else {"body": plan.body, "public": plan.public},
            "additional_tags": [marker] + ([plan.tag] if plan.tag else []),
        }
        if plan.close:
            update["status"] = "solved"
        if plan.assign and self.settings.zendesk_escalation_group_id:
            update["group_id"] = int(self.settings.zendesk_escalation_group_id)
        if plan.assign and self.settings.zendesk_escalation_assignee_id:
            update["assignee_id"] = int(self.settings.zendesk_escalation_assignee_id)
        call(self.client, "PUT", f"/api/v2/tickets/{tid}.json", sink=NAME, json={"ticket": update})
        pipe = r.pipeline()
        pipe.set(done, "1", ex=self.settings.dedupe_ttl_s)
        if plan.close:
            pipe.set(closed_key(NAME, result.ticket.thread_id), result.ticket.uid, ex=self.settings.conversation_ttl_s)
        pipe.execute()
