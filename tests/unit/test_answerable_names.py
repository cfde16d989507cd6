"""Proper names are not what a ticket is about (worker/retrieval/answerable.py)."""

from __future__ import annotations

import pytest

from worker.retrieval.answerable import proper_names, salient_terms


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
