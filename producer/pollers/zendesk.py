"""Zendesk poller: the incremental ticket export with a cursor, then each changed ticket's latest comment.

The latest public comment decides: by the requester -> a customer message to answer; by another user
(not the bot) -> an agent acted. Solved and closed tickets need nothing.
"""

from __future__ import annotations

from typing import Any

from producer.enqueue import parse_ticket
from producer.pollers.base import HelpdeskPoller, PollResult, request
from producer.webhooks.events import AgentActed, HelpdeskEvent, NewMessage, apply
from worker import clock
from worker.errors import TicketInvalid
from worker.settings import Settings

NAME = "zendesk"
DONE = {"solved", "closed", "deleted"}


def ticket_events(ticket: dict[str, Any], comments: list[dict[str, Any]], settings: Settings) -> list[HelpdeskEvent]:
    """What a changed ticket means, from its newest public comment."""
    if str(ticket.get("status", "")).lower() in DONE:
        return []
    public = [c for c in comments if c.get("public", True) and str(c.get("body") or "").strip()]
    if not public:
        return []
    last = public[-1]
    tid = str(ticket["id"])
    author = str(last.get("author_id"))
    if settings.zendesk_bot_user_id and author == str(settings.zendesk_bot_user_id):
        return []
    if author != str(ticket.get("requester_id")):
        return [AgentActed(NAME, tid, author)]
    first = last is public[0]
    data = {
        "id": tid if first else f"{tid}-{last.get('id')}",
        "customer_id": str(ticket.get("requester_id") or "anonymous"),
        "subject": ticket.get("subject") or "",
        "message": last.get("body"),
        "conversation_id": tid,
        "metadata": {"zendesk_ticket_id": tid, "zendesk_comment_id": str(last.get("id"))},
    }
    return [NewMessage(parse_ticket(data, source=NAME))]


class ZendeskPoller(HelpdeskPoller):
    """Polls `GET /api/v2/incremental/tickets/cursor.json` from the saved cursor."""

    name = NAME

    def poll_once(self) -> PollResult:
        """Every page from the cursor to the end of the stream."""
        out = PollResult()
        saved = self.cursor.load()
        params: dict[str, Any] = {"per_page": self.settings.poll_page_size}
        if saved and saved.get("cursor"):
            params["cursor"] = saved["cursor"]
        else:
            params["start_time"] = int(self.since if self.since is not None else clock.now() - self.settings.poll_interval_s * 2)
        while True:
            page = request(self.client, "GET", "/api/v2/incremental/tickets/cursor.json", params=params, sleep=self.sleep)
            tickets = page.get("tickets") or []
            events: list[HelpdeskEvent] = []
            for t in tickets:
                comments = request(self.client, "GET", f"/api/v2/tickets/{t['id']}/comments.json", sleep=self.sleep).get("comments") or []
                try:
                    events += ticket_events(t, comments, self.settings)
                except TicketInvalid:
                    continue  # a ticket we cannot read (e.g. empty body) is left for a human in Zendesk
            out.merge(apply(events, self.r, self.settings, self.enqueuer))
            out.pages += 1
            out.items += len(tickets)
            if page.get("after_cursor"):
                self.cursor.save({"cursor": page["after_cursor"]})
                params = {"per_page": self.settings.poll_page_size, "cursor": page["after_cursor"]}
            if page.get("end_of_stream", True) or not tickets:
                return out
