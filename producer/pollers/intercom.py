"""Intercom poller: conversation search on `updated_at`, page by page, then each conversation's newest part."""

from __future__ import annotations

from typing import Any

from producer.pollers.base import HelpdeskPoller, PollResult, request
from producer.webhooks.events import HelpdeskEvent, apply
from producer.webhooks.intercom import conversation_events
from worker import clock
from worker.errors import TicketInvalid

NAME = "intercom"


class IntercomPoller(HelpdeskPoller):
    """Polls `POST /conversations/search` (updated_at > since) with `starting_after` pagination."""

    name = NAME

    def poll_once(self) -> PollResult:
        """One sweep: every page of conversations updated since the cursor; the cursor moves per page."""
        out = PollResult()
        saved = self.cursor.load() or {}
        since = int(saved.get("since", self.since if self.since is not None else clock.now() - self.settings.poll_interval_s * 2))
        after = saved.get("starting_after")
        newest = int(saved.get("newest", since))
        while True:
            body: dict[str, Any] = {"query": {"field": "updated_at", "operator": ">", "value": since},
                                    "pagination": {"per_page": self.settings.poll_page_size, **({"starting_after": after} if after else {})}}
            page = request(self.client, "POST", "/conversations/search", json=body, sleep=self.sleep)
            convs = page.get("conversations") or []
            events: list[HelpdeskEvent] = []
            for c in convs:
                full = request(self.client, "GET", f"/conversations/{c['id']}", sleep=self.sleep)
                newest = max(newest, int(full.get("updated_at") or c.get("updated_at") or 0))
                try:
                    events += conversation_events(full, self.settings)
                except TicketInvalid:
                    continue  # unreadable (e.g. an empty message): stays with the humans in Intercom
            out.merge(apply(events, self.r, self.settings, self.enqueuer))
            out.pages += 1
            out.items += len(convs)
            nxt = ((page.get("pages") or {}).get("next") or {}).get("starting_after")
            if nxt and convs:
                after = nxt
                self.cursor.save({"since": since, "starting_after": after, "newest": newest})
                continue
            # Sweep done: next time, everything updated from the newest second seen (repeats are deduped).
            self.cursor.save({"since": max(since, newest - 1), "newest": newest})
            return out
