"""Query normalisation against the help centre's vocabulary: typos, run-together words and derivations."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.retrieval.analysis import stem, terms
from worker.retrieval.answerable import deletes, swapped
from worker.retrieval.spelling import Speller

# index terms (stems, as the index holds them) -> chunks that hold them
DF = {stem(w): n for w, n in {
    "ship": 9, "deliver": 7, "delivery": 6, "order": 12, "address": 4, "option": 5, "assist": 2, "track": 3, "exit": 2,
    "settle": 1, "lease": 3, "least": 2, "rental": 2, "phone": 3, "mail": 2,
}.items()}


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(DF)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("do you shpi to Lyon?", "do you ship to Lyon?"),  # a swap of neighbours, four letters
        ("delivr to my home", "deliver to my home"),  # a letter left out
        ("where is my oredr", "where is my order"),  # a swap, five letters
        ("deliveies to Spain", "deliver to Spain"),  # its stem one letter from the help centre's "deliver"
        ("the adress on the parcel", "the address on the parcel"),  # an index stem written as a word that stems to it
        ("doyou deliver to Spain?", "do you deliver to Spain?"),  # two function words run together
        ("can u udeliver there", "can u u deliver there"),  # a function word and a content word run together
        ("I need assistance", "I need assist"),  # a derivation of a known word
    ],
)
def test_unknown_tokens_become_the_help_centres_words(speller: Speller, text: str, normalised: str) -> None:
    assert speller.normalise(text) == normalised


@pytest.mark.parametrize(
    "text",
    [
        "shipping to Valencia",  # known: untouched
        "ship it to Seatle",  # a capitalised word inside a sentence is a name, however close to a known word
        "does it exist",  # five letters: only a swap may correct it ("exist" is not a typo of "exit")
        "I want a dentist",  # nothing near
        "order 4711 arrived",  # numbers are never touched
    ],
)
def test_known_words_names_short_words_and_numbers_are_left_alone(speller: Speller, text: str) -> None:
    assert speller.normalise(text) == text


def test_the_most_frequent_candidate_wins_and_a_tie_is_left_alone() -> None:
    # "cartoxn" is one edit from "carton" (a letter too many) and from "cartoon" (one letter changed)
    assert Speller({"carton": 5, "cartoon": 3}).correct("cartoxn") == "carton"
    assert Speller({"carton": 3, "cartoon": 5}).correct("cartoxn") == "cartoon"
    assert Speller({"carton": 3, "cartoon": 3}).correct("cartoxn") is None


def test_a_split_needs_two_known_parts_and_a_single_best_split() -> None:
    sp = Speller({"deliver": 3, "home": 2, "mail": 2})
    assert sp.correct("homemail") == "home mail"
    assert sp.correct("homemailx") is None
    assert Speller({"vat": 3}).correct("vater") is None  # "vat" is too short a content word, "er" no English function word


def test_the_first_letter_is_kept_except_by_a_swap() -> None:
    sp = Speller({"rental": 4})
    assert sp.correct("dental") is None
    assert sp.correct("rentl") is None  # five letters: a swap only
    assert sp.correct("erntal") == "rental"


def test_corrections_are_cached_and_cheap(speller: Speller) -> None:
    text = "hi, doyou shpi to Lyon? my oredr of deliveies with assistance is late, what shipment options"
    speller.cache.clear()
    t0 = time.perf_counter()
    for _ in range(200):
        speller.cache.clear()
        speller.normalise(text)
    assert (time.perf_counter() - t0) / 200 < 0.005  # well under a millisecond on a laptop; generous for CI


@pytest.mark.parametrize(("word", "expected"), [
    ("shipping", "ship"), ("shipped", "ship"), ("ships", "ship"), ("shipment", "ship"), ("shipments", "ship"),
    ("planned", "plan"), ("billing", "bill"), ("exports", "export"), ("exporting", "export"), ("methods", "method"),
    ("delivery", "delivery"), ("deliveries", "deliveri"), ("reply", "reply"),
    ("key", "key"), ("pay", "pay"), ("payment", "payment"), ("comment", "comment"), ("order42", "order42"), ("2024", "2024"),
])
def test_stem_folds_inflection_and_ment_but_keeps_short_words(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_terms_of_the_shipping_family_meet() -> None:
    assert set(terms("shipping shipment shipped ships")) == {"ship"}


def test_symmetric_delete_keys_of_words_one_edit_apart_meet() -> None:
    assert deletes("ship") & deletes("shpi")
    assert deletes("order") & deletes("ordder")
    assert swapped("shpi", "ship") and not swapped("ship", "shop")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.?", max_size=60))
def test_normalise_only_rewrites_words_the_index_does_not_know(text: str) -> None:
    sp = Speller(DF)
    out = sp.normalise(text)
    if all(sp.known(t) or len(t) < 4 for t in text.replace(",", " ").replace(".", " ").replace("?", " ").split()):
        assert out == text
    assert out.count(",") == text.count(",") and out.count("?") == text.count("?")


def test_one_letter_changed_needs_a_long_word() -> None:
    sp = Speller({"locale": 3, "invoice": 5, "long": 4})
    assert sp.correct("locate") is None  # six letters: another word more often than a slip
    assert sp.correct("lodging") is None  # its stem "lodg" is one letter from "long"
    assert sp.correct("invoicw") == "invoice"


def test_a_word_is_never_corrected_into_a_term_of_the_help_centres_other_languages() -> None:
    # given a help centre whose Spanish sections use "momento" and whose English ones use "moment" nowhere
    speller = Speller(DF, known=[stem("momento"), stem("cuenta")])
    # then an English "moment" stays as written, and a Spanish word the help centre knows is no typo either
    assert speller.normalise("I don't have a bank account at the moment") == "I don't have a bank account at the moment"
    assert speller.correct("cuenta") is None and speller.known("cuenta")
    # while the same word in the main language's vocabulary is still a correction target
    assert Speller({**DF, stem("momento"): 1}).correct("moment") == "momento"


def test_the_searchers_speller_corrects_to_the_main_languages_terms_only() -> None:
    from worker.retrieval.chunking import Article
    from worker.retrieval.retriever import Retriever

    articles = [
        Article(doc_id="pay", title="Payment methods", body="# Payment methods\n\nPay by card or bank transfer at any moment of the month.", language="en"),
        Article(doc_id="ship", title="Shipping", body="# Shipping\n\nWe ship parcels to every country in Europe within three days.", language="en"),
        Article(doc_id="pay", title="Métodos de pago", body="# Métodos de pago\n\nPaga con tarjeta en cualquier momento del mes.", language="es"),
    ]
    speller = Retriever.from_articles(articles).searcher.speller
    assert stem("momento") not in speller.df and speller.known("momento")  # known, never a target
    assert speller.correct("contry") == "country"  # English typos still corrected
