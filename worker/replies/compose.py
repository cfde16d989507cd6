"""The local provider's reply: the part of the best section that answers, rendered and framed.

    top section -> units (markdown.py) -> the ones that answer this question (select.py)
                -> plain text lines (markdown.as_lines) and HTML (html.py), each framed in the
                   article's language (frames.py)

The reply is in one language, the article's: when the customer wrote in another one (the help
centre has no translation of the article), the draft says so in `Draft.language` and the policy
hands the ticket to a human instead of sending a reply in two languages.
"""

from __future__ import annotations

from worker.models import Chunk, Citation, Draft, Ticket
from worker.replies.frames import cite_line, customer_language, frame_for, framed, handoff_line, specialist_line
from worker.replies.html import as_html, framed_html, lines_html
from worker.replies.markdown import Unit, as_lines, units
from worker.replies.select import select
from worker.text import clean


def answer_units(chunk: Chunk, question: str) -> list[Unit]:
    """The sentences, steps or rows of `chunk` that answer `question`."""
    return select(units(chunk.text), question, chunk.section)


def answer_body(chunk: Chunk, question: str) -> str:
    """The sentences, steps or rows of `chunk` that answer `question`, as plain text."""
    return as_lines(answer_units(chunk, question))


def _plain_draft(text: str, lang: str) -> Draft:
    return Draft(text=text, html=lines_html(text), citations=[], grounded=False, language=lang)


def compose(ticket: Ticket, chunks: list[Chunk]) -> Draft:
    """A grounded reply from the best section, or the hand-off line when there is none."""
    chosen = answer_units(chunks[0], clean(ticket.text)) if chunks else []
    if not chosen:
        lang, _ = frame_for(customer_language(ticket))
        return _plain_draft(handoff_line(lang), lang)
    top = chunks[0]
    lang, frame = frame_for(top.language)
    text = framed(lang, top.title, top.section, as_lines(chosen))
    html = framed_html(frame.greeting, cite_line(lang, top.title, top.section), as_html(chosen), frame.closing)
    cites = [Citation(doc_id=top.doc_id, title=top.title, section=top.section)]
    return Draft(text=text, html=html, citations=cites, grounded=True, language=lang)


def specialist(ticket: Ticket) -> Draft:
    """The draft for a ticket a human must take (billing, account changes, a person asked for)."""
    lang, _ = frame_for(customer_language(ticket))
    return _plain_draft(specialist_line(lang), lang)
