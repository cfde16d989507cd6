"""Chunking at natural boundaries: sections, merged when tiny, cut when huge, title and heading carried."""

from __future__ import annotations

import pytest

from worker.retrieval.chunking import MAX_TOKENS, Article, chunk_article, count_tokens, html_to_markdown, split_sections


def _words(n: int, word: str = "lorem") -> str:
    return " ".join(f"{word}{i}." if i % 12 == 11 else f"{word}{i}" for i in range(n))


def test_an_article_is_split_at_its_sections_and_every_chunk_carries_title_and_heading() -> None:
    body = f"# Exporting data\n\nIntro {_words(130)}\n\n## To CSV\n\n{_words(150, 'csv')}\n\n## To JSON\n\n{_words(150, 'json')}\n"
    chunks = chunk_article(Article("export", "", body))
    assert [c.section for c in chunks] == ["", "To CSV", "To JSON"]
    assert all(c.title == "Exporting data" for c in chunks)
    assert all(c.indexed_text.startswith("Exporting data\n") for c in chunks)
    assert "To JSON" in chunks[2].indexed_text and "json0" in chunks[2].text


def test_a_line_under_a_heading_is_merged_with_its_neighbour_and_labelled_with_the_section_that_carries_it() -> None:
    body = f"# T\n\n## Short one\n\nJust a line.\n\n## Long one\n\n{_words(200)}\n"
    [chunk] = chunk_article(Article("d", "", body))
    assert chunk.section == "Long one", "the section it holds, not every heading joined"
    assert "Just a line." in chunk.text and "lorem199" in chunk.text


def test_short_sections_with_their_own_heading_stay_their_own_chunks() -> None:
    # given a small help centre's article: an intro and three short sections on different topics
    body = (
        "# Leaving us\n\nWe are sorry to see you go.\n\n"
        f"## Final bill\n\n{_words(60, 'bill')}\n\n## Exit fees\n\n{_words(45, 'fee')}\n\n## Credit refunds\n\n{_words(50, 'credit')}\n"
    )
    # when it is chunked
    chunks = chunk_article(Article("leaving", "", body))
    # then each section is a chunk labelled with its own heading (the headless intro joins the first)
    assert [c.section for c in chunks] == ["Final bill", "Exit fees", "Credit refunds"]
    assert "sorry to see you go" in chunks[0].text and "fee0" in chunks[1].text and "bill0" not in chunks[1].text


def test_a_huge_section_is_cut_at_paragraphs_into_chunks_within_the_limit() -> None:
    paragraphs = "\n\n".join(_words(90, f"p{i}w") for i in range(12))
    chunks = chunk_article(Article("big", "Big", f"## Everything\n\n{paragraphs}"))
    assert len(chunks) >= 3
    assert all(count_tokens(c.text) <= MAX_TOKENS for c in chunks)
    assert all(c.section == "Everything" and c.title == "Big" for c in chunks)
    assert "".join(c.text for c in chunks).count("p11w89") == 1, "nothing lost, nothing duplicated"


def test_a_wall_of_text_without_paragraphs_is_still_cut() -> None:
    chunks = chunk_article(Article("wall", "Wall", _words(2000)))
    assert len(chunks) > 4 and all(count_tokens(c.text) <= MAX_TOKENS for c in chunks)


def test_headings_inside_code_fences_are_not_sections() -> None:
    title, sections = split_sections("# T\n\n## Real\n\n```\n## not a heading\n```\n")
    assert title == "T" and [h for h, _ in sections] == ["Real"]


@pytest.mark.parametrize("tag", ["h2", "h3"])
def test_html_headings_become_sections(tag: str) -> None:
    html = f"<h1>Guests</h1><p>Who they are.</p><{tag}>Invite a guest</{tag}><ol><li>Open the project</li><li>Click Share</li></ol><script>x()</script>"
    md = html_to_markdown(html)
    title, sections = split_sections(md)
    assert title == "Guests"
    assert [h for h, _ in sections] == ["", "Invite a guest"]
    assert "- Open the project" in sections[1][1] and "x()" not in md


def test_content_hash_changes_with_the_text_and_only_then() -> None:
    a = chunk_article(Article("d", "T", "## S\n\nsame text"))[0]
    b = chunk_article(Article("d", "T", "## S\n\nsame text"))[0]
    c = chunk_article(Article("d", "T", "## S\n\nother text"))[0]
    assert a.content_hash == b.content_hash != c.content_hash
