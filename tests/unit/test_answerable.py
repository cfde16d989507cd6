"""Answerability: a ticket whose salient terms no retrieved section holds is not answered by the help centre."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.errors import ConfigError
from worker.retrieval import answerable as a
from worker.retrieval.answerable import answerability, one_edit, salient_terms
from worker.settings import load_settings

IDF = {"export": 2.0, "project": 1.0, "excel": 3.0, "csv": 3.0, "staff": 2.5, "report": 2.0, "ship": 2.0}
UNKNOWN = 6.0


def known(term: str) -> bool:
    return term in IDF


def gate(text: str, *sections: set[str]) -> tuple[float, tuple[str, ...], bool]:
    a = answerability(text, list(sections), IDF.get, UNKNOWN)
    return a.share, a.uncovered, a.unanswerable(0.65)


def test_salient_terms_drop_stop_words_greetings_generic_words_and_numbers() -> None:
    text = "Hi there, thanks! Yesterday I tried again: can we export project 42 to Excel by 5pm? Cheers, really appreciate it"
    assert salient_terms(text, known) == ["export", "project", "excel"]


def test_acronyms_and_product_names_are_salient() -> None:
    assert salient_terms("Does the EHR connector support HL7 or FHIR?", known) == ["ehr", "connector", "support", "fhir"]


def test_misspelt_filler_is_dropped_but_a_help_centre_word_is_never_taken_for_a_typo() -> None:
    assert salient_terms("woudl it be posible ot export", known) == ["export"]
    # "staff" is one letter from the filler word "stuff", but the help centre uses it: a word, not a typo
    assert salient_terms("staff stuff", known) == ["staff"]
    assert salient_terms("staff stuff", lambda t: False) == []


def test_other_languages_function_words_are_not_salient() -> None:
    assert salient_terms("Hola, ¿cómo exporto el proyecto a Excel? Gracias", known) == ["exporto", "proyecto", "excel"]


def test_a_ticket_whose_terms_the_sections_hold_is_answerable() -> None:
    share, uncovered, fires = gate("How do I export a project to Excel?", {"export", "project", "excel", "csv"})
    assert (share, uncovered, fires) == (0.0, (), False)


def test_inflections_and_typos_of_unknown_words_count_as_covered() -> None:
    # "exporter" is held as "export", "report" as "reporter"; "spreadshet" (a word the help centre never uses) is one letter off
    share, uncovered, _ = gate("exporter report spreadshet", {"export", "reporter", "spreadsheet"})
    assert uncovered == () and share == 0.0
    assert gate("exporter report spreadshet", {"import"})[1] == ("exporter", "report", "spreadshet")


def test_rare_terms_no_section_holds_make_the_ticket_unanswerable() -> None:
    share, uncovered, fires = gate("Can we export the project to our EHR through an HL7 FHIR connector?", {"export", "project", "csv"})
    assert uncovered == ("ehr", "fhir", "connector")
    assert share == pytest.approx(18 / 21, abs=1e-4)
    assert fires


def test_one_or_two_unknown_words_a_place_or_a_typo_do_not_decide() -> None:
    share, uncovered, fires = gate("do you shpi to munich?", {"ship", "delivery"})
    assert uncovered == ("shpi", "munich") and share > 0.65
    assert not fires


def test_a_place_named_with_its_capital_is_not_what_the_ticket_is_about() -> None:
    share, uncovered, _ = gate("do you ship to Munich?", {"ship", "delivery"})
    assert uncovered == () and share == 0.0


def test_a_ticket_with_nothing_salient_names_nothing_an_article_answers() -> None:
    a = answerability("hello??? anyone there? please help", [{"export"}], IDF.get, UNKNOWN)
    assert a.salient == () and a.unanswerable(0.65)
    assert not a.unanswerable(1.0), "1 turns the check off"


def test_one_edit_counts_insertions_deletions_substitutions_and_swaps() -> None:
    assert one_edit("shpi", "ship") and one_edit("orderr", "order") and one_edit("colour", "color") and one_edit("fone", "fine")
    assert not one_edit("lines", "link") and not one_edit("watch", "wtahc")


def test_the_limit_is_a_share() -> None:
    with pytest.raises(ConfigError):
        load_settings(retrieval_uncovered_max=1.5)


@settings(max_examples=400, deadline=None)
@given(word=st.sampled_from(sorted(a._IGNORED)), op=st.integers(0, 4), at=st.integers(0, 20), letter=st.sampled_from("abcdefghijklmnopqrstuvwxyzé"))
def test_the_typo_index_finds_exactly_what_comparing_with_every_ignored_word_finds(word: str, op: int, at: int, letter: str) -> None:
    t = list(word)
    i = min(at, len(t))
    if op == 0 and i < len(t):
        t[i] = letter
    elif op == 1:
        t.insert(i, letter)
    elif op == 2 and i < len(t):
        del t[i]
    elif op == 3 and i + 1 < len(t):
        t[i], t[i + 1] = t[i + 1], t[i]
    token = "".join(t)
    brute = token in a._SHORT_TYPOS if len(token) <= 3 else (
        len(token) >= a.TYPO_MIN and any(len(w) >= a.TYPO_MIN - 1 and a.one_edit(token, w) for w in a._IGNORED))
    assert a._is_ignored_typo(token) == brute


@given(st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=9), max_size=12), st.text(alphabet="abcdefghij", min_size=1, max_size=9))
@settings(max_examples=60)
def test_a_frozen_sections_memoised_stems_are_its_terms_truncations(words: list[str], term: str) -> None:
    section = frozenset(words)
    expected = {t for s in section for t in a.truncations(s)[1:]}
    assert a.stems_of(section) == expected == a.stems_of(set(words))
    # the gate reads the same from a frozen section as from a plain set
    assert answerability(term, [section], IDF.get, UNKNOWN) == answerability(term, [set(words)], IDF.get, UNKNOWN)


@given(st.lists(st.lists(st.text(alphabet="abé", min_size=3, max_size=7), max_size=20), min_size=1, max_size=3), st.text(alphabet="abé", min_size=4, max_size=8))
@settings(max_examples=300, deadline=None)
def test_the_sections_typo_keys_find_exactly_what_comparing_with_every_word_finds(sections: list[list[str]], term: str) -> None:
    frozen = [frozenset(s) for s in sections]
    brute = len(term) >= a.TYPO_MIN and any(len(w) >= a.TYPO_MIN and one_edit(term, w) for s in frozen for w in s)
    assert (len(term) >= a.TYPO_MIN and a._misspelt_in(term, frozen)) == brute
    assert a._misspelt_in(term, [set(s) for s in sections]) == a._misspelt_in(term, frozen)
    # two words under one key ("aaba"), only the second one edit from the term: every word under a key is compared
    assert a._misspelt_in("aaaba", [frozenset({"aabab", "aabba"})]) and not a._misspelt_in("aaaba", [frozenset({"aabab"})])
