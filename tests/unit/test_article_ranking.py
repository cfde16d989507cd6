"""Article-level rankings of the hybrid search: whole articles as BM25 documents and as mean vectors."""

from __future__ import annotations

import numpy as np

from worker.retrieval.chunking import Article, chunk_article
from worker.retrieval.index import build
from worker.retrieval.search import HybridSearcher, _ArticleLevel

FILLER = "The team reviews every request within two working days and writes back by email with the next steps to take."


def _section(heading: str, topic: str) -> str:
    # a section long enough to stand as a chunk of its own (chunking.MIN_OWN_TOKENS)
    return f"## {heading}\n\n{topic} {FILLER} {topic}\n\n"


def _searcher(*articles: Article) -> HybridSearcher:
    return HybridSearcher(build(list(articles))[0], uncovered_max=1.0)


def _doc(s: HybridSearcher, doc_id: str) -> int:
    return s.doc_ids[doc_id]


def _rank(s: HybridSearcher, query: str, docs: list[str], language: str = "en") -> tuple[list[str], list[str]]:
    assert s._articles is not None
    ids, _ = s.bm25.query_terms(query)
    qv = s.index.encoder.encode([query])[0]
    names = {v: k for k, v in s.doc_ids.items()}
    lex, dense = s._articles.rankings([_doc(s, d) for d in docs], ids, qv, language)
    return [names[d] for d in lex], [names[d] for d in dense]


def test_there_is_no_article_level_when_every_article_is_one_chunk() -> None:
    s = _searcher(Article("a", "Parking", "Park in the blue zone."), Article("b", "Bikes", "Bikes go in the shed."))
    assert s._articles is None


def test_an_article_whose_sections_together_hold_the_query_beats_one_section_that_shares_a_word() -> None:
    # given a page on refunds whose sections each cover a part of the question, and a page with one section on invoices
    refunds = Article(
        "refunds", "Refunds", _section("Asking for one", "Refund requests for a duplicate invoice payment.")
        + _section("When the money arrives", "A refund reaches the card in five days.")
        + _section("Partial amounts", "A partial refund covers part of the charge."),
    )
    invoices = Article(
        "invoices", "Invoices", _section("Downloading", "Download an invoice as a PDF.")
        + _section("Company details", "Add a VAT number to every invoice.")
        + _section("Sending", "Invoices are emailed to the billing contact."),
    )
    s = _searcher(refunds, invoices)
    assert len(s.index.passages) == 6
    # when the articles are ranked for a question about a refund of an invoice payment
    lex, dense = _rank(s, "refund for a duplicate invoice payment, when does the money arrive", ["invoices", "refunds"])
    # then the refunds page leads both article lists
    assert lex[0] == "refunds" and dense[0] == "refunds"


def test_only_the_articles_the_chunk_lists_found_are_ranked() -> None:
    a = Article("a", "Parking", _section("Zones", "Park in the blue zone.") + _section("Permits", "Permits cost ten a month."))
    b = Article("b", "Bikes", _section("Sheds", "Bikes go in the shed.") + _section("Locks", "Bring your own bike lock."))
    s = _searcher(a, b)
    lex, dense = _rank(s, "parking permit for the blue zone", ["b"])
    assert "a" not in lex and "a" not in dense


def test_the_article_vector_is_the_normalised_mean_of_its_chunks() -> None:
    a = Article("a", "Parking", _section("Zones", "Park in the blue zone.") + _section("Permits", "Permits cost ten a month."))
    b = Article("b", "Bikes", _section("Sheds", "Bikes go in the shed.") + _section("Locks", "Bring your own bike lock."))
    s = _searcher(a, b)
    level = _ArticleLevel.of(s.index, s.doc_of, "en")
    assert level is not None
    mean = s.index.vectors[: len(chunk_article(a))].mean(axis=0)
    np.testing.assert_allclose(level.vectors[0], mean / np.linalg.norm(mean), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(level.vectors, axis=1), 1.0, atol=1e-5)


def test_an_article_is_ranked_by_its_versions_in_the_querys_language_and_the_main_one() -> None:
    # given an article in English with a Spanish translation, and another in English only
    en = Article("parking", "Parking", _section("Zones", "Park in the blue zone.") + _section("Permits", "Permits cost ten a month."))
    es = Article("parking", "Aparcamiento", _section("Zonas", "Aparque en la zona azul.") + _section("Permisos", "El permiso cuesta diez."), "es")
    bikes = Article("bikes", "Bikes", _section("Sheds", "Bikes go in the shed.") + _section("Locks", "Bring your own bike lock."))
    s = _searcher(en, es, bikes)
    # when a Spanish question is ranked: its own version speaks for the article
    lex, _ = _rank(s, "permiso para la zona azul", ["parking", "bikes"], language="es")
    assert lex == ["parking"]
    # and a German one sees only the main language's versions, where no word of it is
    lex, _ = _rank(s, "permiso para la zona azul", ["parking", "bikes"], language="de")
    assert lex == []
