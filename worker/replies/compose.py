"""The local provider's reply: the part of the best section that answers, rendered and framed.

    top section -> units (markdown.py) -> the ones that answer this question (select.py)
                -> plain text lines -> framed in the article's language (frames.py)

The reply is in one language, the article's: when the customer wrote in another one (the help
centre has no translation of the article), the draft says so in `Draft.language` and the policy
hands the ticket to a human instead of sending a reply in two languages.
"""

from __future__ import annotations

from worker.models import Chunk, Citation, Draft, Ticket
from worker.replies.frames import customer_language, frame_for, framed, handoff_line, specialist_line
from worker.replies.markdown import as_lines, units
from worker.replies.select import select
from worker.text import clean


def answer_body(chunk: Chunk, question: str) -> str:
    """The sentences, steps or rows of `chunk` that answer `question`, as plain text."""
    return as_lines(select(units(chunk.text), question, chunk.section))


def compose(ticket: Ticket, chunks: list[Chunk]) -> Draft:
    """A grounded reply from the best section, or the hand-off line when there is none."""
    if not chunks:
        lang, _ = frame_for(customer_language(ticket))
        return Draft(text=handoff_line(lang), citations=[], grounded=False, language=lang)
    top = chunks[0]
    body = answer_body(top, clean(ticket.text))
    if not body:
        lang, _ = frame_for(customer_language(ticket))
        return Draft(text=handoff_line(lang), citations=[], grounded=False, language=lang)
    lang, _ = frame_for(top.language)
    text = framed(lang, top.title, top.section, body)
    cites = [Citation(doc_id=top.doc_id, title=top.title, section=top.section)]
    return Draft(text=text, citations=cites, grounded=True, language=lang)


def specialist(ticket: Ticket) -> Draft:
    """The draft for a ticket a human must take (billing, account changes, a person asked for)."""
    lang, _ = frame_for(customer_language(ticket))
    return Draft(text=specialist_line(lang), citations=[], grounded=False, language=lang)
