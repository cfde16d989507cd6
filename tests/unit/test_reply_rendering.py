"""Offline replies, piece by piece: Markdown to plain text and HTML, what a question selects, each language's frame."""

from __future__ import annotations

import pytest

from worker.models import Chunk, Draft, Ticket, TicketResult
from worker.replies import asks, frames
from worker.replies.compose import compose
from worker.replies.html import as_html, inline_html
from worker.replies.markdown import as_lines, inline, is_plain_heading, units
from worker.replies.select import select
from worker.retrieval.language import detect

ARTICLE = """Parcelo delivers parcels across the country. This article explains delivery times, prices and what to do when a parcel is late.

## Prices

Standard delivery costs **€4.90** per parcel. Parcels over 10 kg cost €9.50.

## Delivery times

Most parcels arrive within 2 working days. Islands can take longer.
"""


def _text(chosen: list) -> str:  # type: ignore[type-arg]
    return " ".join(u.text for u in chosen)


# --- Markdown: tables, lists, links, emphasis, headings, apostrophes ---------------------------------


def test_a_three_column_table_row_reads_as_name_then_labelled_values() -> None:
    table = "| Plan | Price | Data |\n|---|---|---|\n| Basic | €5 | 1 GB |\n| Plus | €9 | – |\n"
    assert [u.text for u in units(table)] == ["Basic: Price €5; Data 1 GB", "Plus: Price €9"]


def test_a_table_without_a_header_rule_reads_its_cells_in_order() -> None:
    assert [u.text for u in units("| Red | stop |")] == ["Red; stop"]


def test_a_nested_list_keeps_its_depth_in_plain_text_and_in_html() -> None:
    us = units("1. Open **Settings**.\n2. Choose a plan:\n   - Monthly\n   - Yearly\n3. Tap *Save*.\n")
    assert [(u.text, u.depth) for u in us] == [("Open Settings.", 0), ("Choose a plan:", 0), ("Monthly", 1), ("Yearly", 1), ("Tap Save.", 0)]
    assert as_lines(us) == "1. Open Settings.\n2. Choose a plan:\n   - Monthly\n   - Yearly\n3. Tap Save."
    assert as_html(us) == (
        "<ol><li>Open <strong>Settings</strong>.</li><li>Choose a plan:<ul><li>Monthly</li><li>Yearly</li></ul></li>"
        "<li>Tap <em>Save</em>.</li></ol>"
    )


def test_a_wrapped_list_item_is_one_item() -> None:
    us = units("- First line of the item\n  that goes on here.\n- Second.")
    assert [u.text for u in us] == ["First line of the item that goes on here.", "Second."]


@pytest.mark.parametrize(
    ("markdown", "plain", "html"),
    [
        ("Read [the guide](https://help.example.test/a?x=1&y=2).", "Read the guide (https://help.example.test/a?x=1&y=2).",
         'Read <a href="https://help.example.test/a?x=1&amp;y=2">the guide</a>.'),
        ("Go to <https://x.test>", "Go to", "Go to"),
        ("[https://x.test](https://x.test)", "https://x.test", '<a href="https://x.test">https://x.test</a>'),
        ("Click [here](javascript:alert(1)) now", "Click here now", "Click here now"),
        ("**Bold** and __bold__, *italic* and _italic_, ***both***", "Bold and bold, italic and italic, both",
         "<strong>Bold</strong> and <strong>bold</strong>, <em>italic</em> and <em>italic</em>, <strong><em>both</em></strong>"),
        ("Type `reset` then 5 < 6 & go", "Type reset then 5 < 6 & go", "Type <code>reset</code> then 5 &lt; 6 &amp; go"),
        ("### Step three", "Step three", "Step three"),
        ("snake_case_name stays", "snake_case_name stays", "snake_case_name stays"),
    ],
)
def test_inline_markdown_renders_as_plain_text_and_as_html(markdown: str, plain: str, html: str) -> None:
    assert inline(markdown) == plain
    assert inline_html(markdown) == html


def test_headings_are_never_quoted_but_their_units_know_them() -> None:
    us = units(ARTICLE)
    assert not any(u.text.startswith("#") or u.text in ("Prices", "Delivery times") for u in us)
    assert {u.heading for u in us} == {"", "Prices", "Delivery times"}


def test_a_plain_text_heading_of_an_export_without_markdown_is_recognised() -> None:
    flat = "How To Apply\nYou can apply online or by phone.\n\nWhat happens next?\nWe review it within 30 days.\n"
    us = units(flat)
    assert [(u.heading, u.text) for u in us] == [
        ("How To Apply", "You can apply online or by phone."),
        ("What happens next?", "We review it within 30 days."),
    ]
    assert not is_plain_heading("You can pay by card or", "by transfer.")  # a wrapped sentence is not a heading


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("You can t pay by cheque , and we don t charge .", "You can't pay by cheque, and we don't charge."),
        ("Call our toll - free number , 1 - 800 - 772 - 1213 .", "Call our toll-free number, 1-800-772-1213."),
        ("Plan for your family s future , read the \" basics \" first .", 'Plan for your family\'s future, read the "basics" first.'),
        ("Night Drive - our EV tariff - is cheap. It's a plan.", "Night Drive - our EV tariff - is cheap. It's a plan."),
        ("Aim for 5 s on each side.", "Aim for 5 s on each side."),
    ],
)
def test_text_a_tokenizer_spaced_out_is_rejoined_and_markdown_prose_left_alone(raw: str, clean: str) -> None:
    assert inline(raw) == clean


# --- Selection: what answers this question ------------------------------------------------------------


def test_an_amount_question_gets_the_sentence_with_the_figure_even_with_no_shared_word() -> None:
    section = "## Prices\n\nWe bring parcels to your door or to a locker. Standard delivery is €4.90 per parcel. Lockers are open all day."
    chosen = select(units(section), "What does it set me back to ship a box?", "Prices")
    assert "€4.90" in _text(chosen)


def test_a_time_question_gets_the_duration() -> None:
    chosen = select(units(ARTICLE), "How long does a parcel take to arrive?", "Delivery times")
    assert "within 2 working days" in _text(chosen)


def test_the_retrieved_sections_own_sentences_beat_the_article_introduction() -> None:
    chosen = select(units(ARTICLE), "How much is delivery of a parcel?", "Prices")
    assert "€4.90" in _text(chosen) and "This article explains" not in _text(chosen)


def test_a_bulleted_list_gives_the_alternative_asked_about_and_a_numbered_one_all_its_steps() -> None:
    bullets = "Error messages:\n\n- **Card declined**: use another card.\n- **Address not found**: check the postcode.\n- **Too heavy**: split the parcel.\n"
    assert [u.text for u in select(units(bullets), "it says address not found")] == ["Address not found: check the postcode."]
    steps = "To book a pickup:\n\n1. Open the app.\n2. Tap Pickup and choose a date.\n3. Print the label.\n"
    chosen = select(units(steps), "where do I choose the pickup date")
    assert [u.number for u in chosen if u.kind == "item"] == [1, 2, 3] and chosen[0].text == "To book a pickup:"


def test_the_answer_after_a_question_in_the_text_is_quoted() -> None:
    section = "Lost your tracking number? It is in the confirmation e-mail. Parcels are insured up to €500. Ask us about more."
    chosen = select(units(section), "I lost my tracking number")
    assert "It is in the confirmation e-mail." in _text(chosen)


def test_a_sentence_about_the_article_itself_is_not_the_opening_quoted() -> None:
    chosen = select(units("This article explains returns. Returns are free within 30 days."), "zzz")
    assert _text(chosen) == "Returns are free within 30 days."


def test_a_short_paragraph_is_quoted_whole_but_for_what_it_says_about_the_article() -> None:
    section = "Parcels can be sent to any country in the EU. This guide explains how. Customs forms are not needed."
    chosen = select(units(section), "can I send parcels to another EU country")
    assert _text(chosen) == "Parcels can be sent to any country in the EU. Customs forms are not needed."


def test_a_sentence_a_lead_in_promises_a_list_for_brings_the_list() -> None:
    section = "You can return a parcel in two ways:\n\n- At a locker.\n- At a shop.\n\nRefunds take 5 days."
    chosen = select(units(section), "in which ways can I return a parcel")
    assert _text(chosen).startswith("You can return a parcel in two ways: At a locker. At a shop.")


def test_the_sentence_that_asks_outweighs_the_context_around_it() -> None:
    section = "- **Card** – in the app.\n- **Bank transfer** – to the account on your bill.\n- **Cash** – at any partner shop.\n"
    chosen = select(units(section), "I have no bank account right now. Can I pay with cash somewhere?")
    assert [u.text for u in chosen] == ["Cash – at any partner shop."]


@pytest.mark.parametrize(
    ("glued", "sentence"),
    [
        ("Name Change If you need a new card , you must show proof .", "If you need a new card, you must show proof."),
        ("Important This form is only needed once .", "This form is only needed once."),
        ("How To Apply You can apply online .", "You can apply online."),
        ("Social Security pays benefits monthly , on time .", "Social Security pays benefits monthly, on time."),
        ("If You Have a Higher Income , you pay more .", "If You Have a Higher Income, you pay more."),
    ],
)
def test_a_heading_a_flattened_export_glued_to_a_sentence_is_cut_off(glued: str, sentence: str) -> None:
    assert [u.text for u in units(glued)] == [sentence]


def test_a_tokenized_export_is_repaired_in_every_paragraph_of_the_section() -> None:
    section = "First , call us .\n\nBy phone - Call 1 - 800 - 772 - 1213 today.\n"
    assert [u.text for u in units(section)] == ["First, call us.", "By phone - Call 1-800-772-1213 today."]


@pytest.mark.parametrize(
    ("question", "kinds"),
    [("How much is it?", {asks.AMOUNT}), ("¿Cuánto tiempo tarda?", {asks.TIME}), ("Combien ça coûte ?", {asks.AMOUNT}),
     ("Wie lange dauert es?", {asks.TIME}), ("¿Cuánto tarda en llegar?", {asks.TIME}), ("¿Cuánto es?", {asks.AMOUNT}), ("Quale numero devo chiamare?", {asks.CONTACT}), ("Como faço login?", set())],
)
def test_the_kind_of_answer_a_question_wants_is_read_in_six_languages(question: str, kinds: set[str]) -> None:
    assert asks.wants(question) == kinds


# --- Frames: one language per reply ---------------------------------------------------------------------

SECTIONS = {
    "en": "1. Open the app and tap Deliveries.\n2. Choose the parcel and tap Change address.",
    "es": "1. Abre la aplicación y toca Envíos.\n2. Elige el paquete y toca Cambiar dirección.",
    "fr": "1. Ouvrez l'application et appuyez sur Livraisons.\n2. Choisissez le colis et appuyez sur Modifier l'adresse.",
    "de": "1. Öffnen Sie die App und tippen Sie auf Sendungen.\n2. Wählen Sie das Paket und tippen Sie auf Adresse ändern.",
    "it": "1. Apri l'app e tocca Spedizioni.\n2. Scegli il pacco e tocca Cambia indirizzo.",
    "pt": "1. Abra a aplicação e toque em Entregas.\n2. Escolha a encomenda e toque em Alterar morada.",
}


@pytest.mark.parametrize("lang", sorted(SECTIONS))
def test_each_languages_reply_is_framed_wholly_in_that_language_in_plain_text_and_html(lang: str) -> None:
    chunk = Chunk(doc_id="address", title="Título", section="", text=SECTIONS[lang], score=1.0, language=lang)
    draft = compose(Ticket(id="t", message=SECTIONS[lang].split("\n")[1], language=lang), [chunk])
    f = frames.FRAMES[lang]
    assert draft.language == lang and detect(draft.text) == lang
    assert draft.text.startswith(f.greeting) and draft.text.endswith(f.closing)
    others = [line for code, o in frames.FRAMES.items() if code != lang for line in (o.closing, o.cite.split("{")[0])]
    assert not any(line in draft.text for line in others), "no line of another language's frame"
    assert draft.html is not None and draft.html.startswith(f"<p>{f.greeting}</p>") and "<ol><li>" in draft.html


@pytest.mark.parametrize("lang", sorted(SECTIONS))
def test_the_line_an_escalated_customer_reads_is_in_their_language(lang: str) -> None:
    line = frames.specialist_line(lang)
    assert detect(line) == lang and line.startswith(frames.FRAMES[lang].greeting)


def test_a_page_title_is_cited_without_its_site_name() -> None:
    assert frames.cite_line("en", "Applying | How You Apply | Example Agency", "") == "From our help article “Applying – How You Apply”:"
    assert frames.cite_line("en", "Moving house", "Moving house") == "From our help article “Moving house”:"


def test_a_result_stored_before_drafts_had_html_still_parses() -> None:
    stored = {"ticket": {"id": "t", "message": "hi"}, "draft": {"text": "Hi,", "citations": [], "grounded": True, "language": "en"}}
    result = TicketResult.model_validate(stored)
    assert isinstance(result.draft, Draft) and result.draft.html is None


def test_a_bullet_only_the_context_matched_gives_the_whole_list_that_answers_whether_the_option_is_there() -> None:
    section = "## Accepted payment methods\n\n- Visa, Mastercard and American Express credit and debit cards\n- Apple Pay and Google Pay\n- PayPal\n"
    question = "do you take bank transfers? i dont have a credit card and my debit card is blocked"
    chosen = [u.text for u in select(units(section), question)]
    assert len(chosen) == 3 and any("PayPal" in t for t in chosen)


def test_a_bullet_the_question_names_is_kept_alone() -> None:
    section = "## Meters\n\n- Digital meter: note the digits\n- Dial meter: read each dial left to right\n- Gas meter: note the black digits, not the red ones\n"
    chosen = [u.text for u in select(units(section), "Which digits of my gas meter do you need?")]
    assert len(chosen) == 1 and chosen[0].startswith("Gas meter")
