"""Proper names are not what a ticket is about (worker/retrieval/answerable.py)."""

from __future__ import annotations

import pytest

from worker.retrieval.answerable import proper_names, salient_terms, weigh


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("do you ship to Munich?", {"munich"}),
        ("Hello. My name is Ana Lopez and I can't log in", {"ana", "lopez"}),
        ("¿Hacéis envíos a Valencia?", {"valencia"}),
        ("How do I reset my password?", set()),  # "I" is no name; a sentence's first word neither
        ("HOW DO I RESET MY PASSWORD", set()),  # shouting: a capital says nothing
        ("Wann kann ich meine Rechnung herunterladen und wo finde ich den Zählerstand?", set()),  # German nouns
        ("Was kostet die jährliche Impfung für einen Hund bei Pawpath?", set()),  # German the detector may miss
    ],
)
def test_capitalised_words_inside_a_sentence_are_names_except_where_nouns_are_capitalised(text: str, names: set[str]) -> None:
    assert proper_names(text) == names


def test_a_name_the_help_centre_never_uses_is_not_salient_but_one_it_uses_is() -> None:
    vocabulary = {"ship", "canada"}

    def known(term: str) -> bool:
        return term in vocabulary

    assert "munich" not in salient_terms("do you ship to Munich?", known)
    assert "canada" in salient_terms("do you ship to Canada?", known)


def test_a_name_counts_only_when_the_help_centre_uses_the_word_itself_not_a_word_it_may_inflect() -> None:
    idf = {"ship": 2.0, "seat": 3.0, "canada": 4.0}
    weighed = [t for t, _, _ in weigh("do you ship to Seattle or Canada?", idf.get, 6.0)]
    assert weighed == ["ship", "canada"]  # "seattle" is no form of "seat"
    assert "seattle" in [t for t, _, _ in weigh("do you ship to seattle?", idf.get, 6.0)]  # written lower case: a word
