"""Offline replies: the part of the section that answers this question, rendered clean, framed in one language."""

from __future__ import annotations

import pytest

from worker.models import Chunk, Classification, Decision, Draft, Ticket, TicketResult
from worker.replies import frames, note
from worker.replies.compose import compose, specialist
from worker.replies.markdown import inline, repair, units
from worker.replies.select import select
from worker.sinks.helpdesk import note_text, plain, to_html
from worker.stages.escalate import NO_DOCS_IN_LANGUAGE, Context, Policy, decide

SECTION = """Brightwatt supplies electricity to homes on three tariffs.

| Tariff | Unit rate | Standing charge |
|---|---|---|
| **Flex** | 24.5p per kWh | 53p per day |
| **Fixed 12** | 23.9p per kWh | 53p per day |
| **Night Drive** | 8.5p off-peak | 55p per day |

## Before you start

- Have your account number ready.
- Make sure the app is up to date.

## Submit a reading

1. Open the app and tap **Meter readings**.
2. Enter the numbers shown on the display, from left to right.
3. Tap *Send*; you can t change a reading once it is sent, so [call us](https://example.test/call) if it is wrong.
"""


def _chunk(text: str = SECTION, language: str = "en", title: str = "Meter readings", section: str = "Submit a reading") -> Chunk:
    return Chunk(doc_id="readings", title=title, section=section, text=text, score=0.9, language=language)


def test_markdown_units_lose_heading_emphasis_and_link_marks_and_a_table_row_reads_as_a_line() -> None:
    us = units(SECTION)
    texts = [u.text for u in us]
    assert not any(t.startswith("#") or "**" in t or "|" in t for t in texts)
    assert "Flex: Unit rate 24.5p per kWh; Standing charge 53p per day" in texts
    assert any("can't change a reading" in t and "call us (https://example.test/call)" in t for t in texts)
    assert [u.number for u in us if u.kind == "item" and u.number] == [1, 2, 3]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("you don t have to pay , they ll ask", "you don't have to pay, they'll ask"),
        ("**bold** and _italic_ and `code`", "bold and italic and code"),
        ("see [the status page](https://status.example.test)", "see the status page (https://status.example.test)"),
        ("## A heading", "A heading"),
    ],
)
def test_inline_markdown_is_rendered_as_plain_text(raw: str, clean: str) -> None:
    assert inline(raw) == clean == repair(inline(raw))


def test_the_steps_that_answer_are_chosen_not_the_first_list() -> None:
    chosen = select(units(SECTION), "Can I change a meter reading after I sent it?")
    text = " ".join(u.text for u in chosen)
    assert "can't change a reading once it is sent" in text, "the key step is kept"
    assert "account number" not in text, "not the first list of the section"


def test_a_table_becomes_the_row_asked_about() -> None:
    chosen = select(units(SECTION), "What does the Night Drive tariff cost per kWh?")
    assert [u.text for u in chosen] == ["Night Drive: Unit rate 8.5p off-peak; Standing charge 55p per day"]


def test_a_two_column_table_row_reads_as_name_and_value_and_a_tie_goes_to_the_row() -> None:
    section = "The map shows zones in colours.\n\n| Colour | Meaning |\n|---|---|\n| Red | No parking |\n| Yellow | Slow zone: 10 km/h |\n"
    assert [u.text for u in select(units(section), "yellow bit on the map, what is it")] == ["Yellow: Slow zone: 10 km/h"]


def test_a_question_nothing_matches_gets_the_opening_of_the_section() -> None:
    chosen = select(units(SECTION), "zzz qqq")
    assert chosen and chosen[0].text.startswith("Brightwatt supplies electricity")


def test_an_english_reply_is_framed_in_english_cites_the_article_and_lists_steps_one_a_line() -> None:
    draft = compose(Ticket(id="t", message="How do I send a meter reading in the app?", language="en"), [_chunk()])
    assert draft.text.startswith("Hi,\n\nFrom our help article “Meter readings” (Submit a reading):")
    assert "\n1. Open the app and tap Meter readings.\n2. Enter the numbers" in draft.text
    assert draft.language == "en" and draft.grounded and draft.citations[0].doc_id == "readings"


@pytest.mark.parametrize(
    ("lang", "greeting", "cite"),
    [("es", "Hola:", "Según la guía «Lecturas»"), ("fr", "Bonjour,", "D'après le guide « Lecturas »"), ("de", "Hallo,", "Laut unserer Anleitung „Lecturas“"),
     ("it", "Ciao,", "Secondo la guida «Lecturas»"), ("pt", "Olá,", "De acordo com o guia «Lecturas»")],
)
def test_a_translated_article_is_framed_wholly_in_its_language(lang: str, greeting: str, cite: str) -> None:
    chunk = _chunk("1. Abra la aplicación.\n2. Escriba los números.", language=lang, title="Lecturas", section="")
    draft = compose(Ticket(id="t", message="lectura", language=lang), [chunk])
    assert draft.text.startswith(f"{greeting}\n\n{cite}") and draft.language == lang
    assert draft.text.endswith(frames.FRAMES[lang].closing)
    assert "According to" not in draft.text and "Hi," not in draft.text


def test_a_reply_that_would_mix_languages_goes_to_a_human() -> None:
    # given a Spanish ticket whose only article is in English
    ticket = Ticket(id="t", message="¿Cómo envío la lectura del contador en la aplicación?", language="es")
    draft = compose(ticket, [_chunk()])
    cls = Classification(intent="faq", urgency="low", confidence=0.9)
    # when the policy decides
    decision = decide(ticket, cls, [_chunk()], draft, policy=Policy(), context=Context())
    # then the English draft (one language, for the agent) is not sent to the Spanish customer
    assert draft.language == "en" and draft.text.startswith("Hi,")
    assert decision.action == "escalate" and NO_DOCS_IN_LANGUAGE in decision.reasons


def test_a_model_draft_of_unknown_language_is_not_held_back_for_its_language() -> None:
    ticket = Ticket(id="t", message="¿Cómo envío la lectura del contador?", language="es")
    draft = Draft(text="Hola: abra la aplicación.", citations=[{"doc_id": "readings", "title": "Meter readings"}])  # type: ignore[list-item]
    decision = decide(ticket, Classification(intent="faq", urgency="low", confidence=0.9), [_chunk()], draft, policy=Policy())
    assert NO_DOCS_IN_LANGUAGE not in decision.reasons


@pytest.mark.parametrize(
    ("message", "lang", "greeting", "words"),
    [
        ("Quiero hablar con una persona, por favor, no puedo entrar en mi cuenta", None, "Hola:", "una persona de nuestro equipo"),
        ("Je veux parler à un conseiller, mon compte est bloqué", None, "Bonjour,", "un membre de notre équipe"),
        ("Ich möchte mit einem Menschen sprechen", "de", "Hallo,", "an unser Team weitergegeben"),
        ("Voglio parlare con una persona", "it", "Ciao,", "una persona del nostro team"),
        ("Quero falar com uma pessoa", "pt", "Olá,", "uma pessoa da nossa equipe"),
        ("I want a human", "en", "Hi,", "a member of our team, who will reply to you here"),
    ],
)
def test_an_escalated_customer_is_greeted_and_told_in_their_own_language(message: str, lang: str | None, greeting: str, words: str) -> None:
    ticket = Ticket(id="t", message=message, language=lang)
    line = frames.specialist_line(frames.customer_language(ticket))
    assert line.startswith(f"{greeting}\n\n") and words in line
    assert specialist(ticket).text == line and specialist(ticket).html == f"<p>{greeting}</p><p>{line.split(chr(10))[-1]}</p>"


def test_a_language_without_a_frame_falls_back_to_english_lines() -> None:
    assert frames.specialist_line("pl") == frames.specialist_line("en")
    assert frames.handoff_line(None) == frames.FRAMES["en"].handoff


def test_the_html_rendering_links_addresses_escapes_and_reads_back_as_the_plain_reply() -> None:
    reply = compose(Ticket(id="t", message="Can I change a reading once it is sent?"), [_chunk()]).text + "\n\nTap <Send> & wait."
    html = to_html(reply)
    assert '<a href="https://example.test/call">https://example.test/call</a>' in html
    assert "&lt;Send&gt; &amp; wait" in html and "<br>" in html
    assert plain(html) == " ".join(reply.split())


def test_plain_parts_words_at_block_tags_only() -> None:
    assert plain("<p>Hello <strong>World</strong>!</p><p>Next</p>") == "Hello World! Next"
    assert plain("line one<br>line two") == "line one line two"


def _escalated(draft: Draft, reasons: list[str], message: str = "How do I send a meter reading?", lang: str | None = "en") -> TicketResult:
    return TicketResult(ticket=Ticket(id="t", message=message, language=lang), draft=draft, decision=Decision(action="escalate", reasons=reasons))


def test_the_agents_note_offers_a_draft_as_a_reply_only_when_the_policy_found_it_answers() -> None:
    draft = compose(Ticket(id="t", message="How do I send a meter reading in the app?", language="en"), [_chunk()])
    assert note.draft_heading(_escalated(draft, ["frustration"])) == "Draft reply:"
    assert note.draft_heading(_escalated(draft, ["no_relevant_docs"])).startswith("Closest help-centre section (judged not to answer")  # type: ignore[union-attr]
    text = note_text(_escalated(draft, ["no_relevant_docs"]), "escalated")
    assert "Closest help-centre section" in text and "Draft reply:" not in text and "Sources:\n- Meter readings / Submit a reading (readings)" in text


def test_the_agents_note_says_when_the_draft_is_not_in_the_customers_language_and_leaves_out_a_bare_hand_off() -> None:
    english = compose(Ticket(id="t", message="How do I send a meter reading in the app?", language="en"), [_chunk()])
    result = _escalated(english, [NO_DOCS_IN_LANGUAGE], message="Como envio a leitura do contador na aplicação?", lang="pt")
    assert note.draft_heading(result) == "Draft reply (written in en; the customer wrote in pt):"
    handoff = compose(Ticket(id="t", message="zzz", language="en"), [])
    assert note.draft_heading(_escalated(handoff, ["no_relevant_docs"])) is None
    assert handoff.text not in note_text(_escalated(handoff, ["no_relevant_docs"]), "escalated")
