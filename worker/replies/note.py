"""How the agent's internal note presents the bot's draft: a reply to send, or only the closest section found.

The policy may hand a ticket over because nothing answered it (no relevant section, a bug without a
known fix): the draft is then the nearest section, not an answer, and the note must not invite an agent
to send it. A draft in another language than the customer's (the help centre has no translation) says
so, and a draft that is only the hand-off line is left out: it tells the agent nothing.
"""

from __future__ import annotations

from worker.models import TicketResult
from worker.replies.frames import customer_language

# Reasons (worker/stages/escalate.py) that say the draft does not answer the question.
NOT_AN_ANSWER = frozenset({"no_relevant_docs", "bug_without_known_fix", "draft_ungrounded", "draft_uncertain"})


def draft_heading(result: TicketResult) -> str | None:
    """The line that introduces the draft in the note, or None when the draft should be left out."""
    draft = result.draft
    if draft is None or not draft.text.strip() or not draft.grounded:
        return None
    reasons = set(result.decision.reasons) if result.decision else set()
    head = "Closest help-centre section (judged not to answer the question; check before using it)" if reasons & NOT_AN_ANSWER else "Draft reply"
    asked = customer_language(result.ticket)
    if draft.language and asked and draft.language != asked:
        head += f" (written in {draft.language}; the customer wrote in {asked})"
    return head + ":"
