"""What the hybrid ranking weighs besides plain text: a section's heading, and a help centre's languages."""

from __future__ import annotations

import pytest

from worker.retrieval import lexical, search
from worker.retrieval.chunking import Article
from worker.retrieval.retriever import Retriever

FILLER = "The team reviews every request within two working days and writes back by email with the next steps to take."
FILLER_DE = "Das Team prüft jede Anfrage innerhalb von zwei Werktagen und antwortet per E-Mail mit den nächsten Schritten."


def _section(heading: str, text: str, filler: str = FILLER) -> str:
    # long enough to stand as a chunk of its own (chunking.MIN_OWN_TOKENS)
    return f"## {heading}\n\n{text} {filler}\n\n"


SHOP = [
    Article("delivery", "Delivery", _section("Courier tracking", "Every parcel gets a number you can follow in the app.")
            + _section("Addresses", "We deliver to homes and offices in the country.")),
    Article("orders", "Orders", _section("Placing an order", "Pick items, pay, and we hand the box to a courier. Courier tracking "
                                         "starts when the courier collects it; tracking is free.")
            + _section("Stock", "Items out of stock show a date.")),
    Article("returns", "Returns", _section("Sending it back", "Print the label and drop the parcel at a post office.")
            + _section("Refunds", "Refunds take five days.")),
]


def _docs(r: Retriever, query: str, language: str | None = None, mode: str = "hybrid") -> list[str]:
    return [r.index.passages[h.row].doc_id for h in r.searcher.search(query, k=3, language=language, mode=mode)]


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_the_section_whose_heading_names_the_query_beats_one_that_repeats_its_words_in_passing(mode: str) -> None:
    assert _docs(Retriever.from_articles(SHOP), "courier tracking", mode=mode)[0] == "delivery"


def test_without_the_heading_weight_the_passing_mentions_would_win(monkeypatch: pytest.MonkeyPatch) -> None:
    # the test above is about the heading's field weight, not about this help centre's wording
    monkeypatch.setattr(lexical, "SECTION_WEIGHT", 1)
    assert _docs(Retriever.from_articles(SHOP), "courier tracking", mode="lexical")[0] == "orders"


def test_a_heading_counts_more_often_than_the_text_in_the_index_terms() -> None:
    text = lexical.bm25_text("Delivery", "Delivery\nCourier tracking\nEvery parcel.", "Courier tracking")
    assert text.count("Courier tracking") == lexical.SECTION_WEIGHT > 1
    assert text.count("Delivery") == lexical.TITLE_WEIGHT
    assert lexical.bm25_text("Delivery", "Delivery\nEvery parcel.") == "Delivery\nDelivery\nEvery parcel."


# Only the delivery article has a German version; a German ticket about a PayPal refund shares the German
# version's everyday words ("Anfrage", "innerhalb", "Werktagen") and the English refunds article's "PayPal".
SHOP_DE = [
    Article("refunds", "Refunds", _section("PayPal refunds", "Refunds to PayPal take five days.")
            + _section("Card refunds", "Card refunds take ten days.")),
    Article("delivery", "Delivery", _section("Courier", "Every parcel goes by courier.") + _section("Addresses", "We deliver to homes and offices.")),
    Article("delivery", "Lieferung", _section("Kurier", "Jedes Paket geht per Kurier.", FILLER_DE)
            + _section("Adressen", "Wir liefern an Wohnungen und Büros.", FILLER_DE), "de"),
    Article("account", "Account", _section("Password", "Reset your password from the sign-in page.")
            + _section("Email", "Change your email in settings.")),
]
QUERY_DE = "Meine Anfrage: wann bekomme ich innerhalb von Werktagen mein Geld von PayPal zurück?"


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_a_ticket_in_a_translated_language_is_not_drawn_to_the_translated_article_by_its_language_alone(mode: str) -> None:
    assert _docs(Retriever.from_articles(SHOP_DE), QUERY_DE, language="de", mode=mode)[0] == "refunds"


def test_without_removing_the_language_offset_the_translated_article_would_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "LANG_CENTRE", False)
    assert _docs(Retriever.from_articles(SHOP_DE), QUERY_DE, language="de", mode="dense")[0] == "delivery"


def test_the_cosine_the_calibration_weighs_is_the_raw_one() -> None:
    r = Retriever.from_articles(SHOP_DE)
    hits = r.searcher.search(QUERY_DE, k=3, language="de")
    qv = r.index.encoder.encode([r.searcher.normalised(QUERY_DE, "de")])[0]
    for h in hits:
        assert h.cosine == pytest.approx(float(r.index.vectors[h.row] @ qv), abs=1e-4)


def test_a_one_language_help_centre_has_no_language_offset() -> None:
    s = Retriever.from_articles(SHOP).searcher
    assert s._offsets == {} and s._centring == {}
