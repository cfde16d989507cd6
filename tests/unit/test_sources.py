"""Bring your own help centre: folders of Markdown/HTML with language sub-folders, or JSONL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from worker.retrieval.sources import SourceError, fingerprint, load_articles


def test_a_folder_of_markdown_and_html_with_a_translation(tmp_path: Path) -> None:
    (tmp_path / "reset.md").write_text("# Reset\n\n## Steps\n\nClick forgot.\n")
    (tmp_path / "guests.html").write_text("<html><head><title>Guests</title></head><body><h2>Invite</h2><p>Share it.</p></body></html>")
    (tmp_path / "es").mkdir()
    (tmp_path / "es" / "reset.md").write_text("# Restablecer\n\n## Pasos\n\nHaz clic.\n")
    arts = {(a.language, a.doc_id): a for a in load_articles(tmp_path)}
    assert set(arts) == {("en", "reset"), ("en", "guests"), ("es", "reset")}
    assert arts[("en", "guests")].title == "Guests" and "## Invite" in arts[("en", "guests")].body


def test_a_jsonl_export(tmp_path: Path) -> None:
    f = tmp_path / "docs.jsonl"
    rows = [{"doc_id": "a", "title": "A", "text": "alpha <b>not a block</b>"}, {"doc_id": "b", "title": "B", "text": "<h2>Beta</h2><p>b</p>"},
            {"doc_id": "c", "title": "C", "text": "x < y", "html": True}]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    arts = load_articles(f)
    assert [a.doc_id for a in arts] == ["a", "b", "c"]
    assert arts[0].body == "alpha <b>not a block</b>", "plain text stays as written"
    assert "## Beta" in arts[1].body and "<p>" not in arts[1].body, "an HTML body is recognised without a flag"


@pytest.mark.parametrize(
    ("content", "message"),
    [("{\"doc_id\": \"a\", \"title\": \"A\"}\n", "docs.jsonl:1"), ("not json\n", "docs.jsonl:1"), ("", "no articles"),
     ("{\"doc_id\": \"a\", \"text\": \"x\"}\n{\"doc_id\": \"a\", \"text\": \"y\"}\n", "appears twice")],
)
def test_a_bad_source_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    f = tmp_path / "docs.jsonl"
    f.write_text(content)
    with pytest.raises(SourceError, match=message):
        load_articles(f)


def test_the_fingerprint_changes_when_one_article_does(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\ntext")
    before = fingerprint(load_articles(tmp_path))
    assert fingerprint(load_articles(tmp_path)) == before
    (tmp_path / "a.md").write_text("# A\n\ntext, edited")
    assert fingerprint(load_articles(tmp_path)) != before


def test_an_index_split_by_another_chunker_version_is_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given an unchanged help centre
    from worker.retrieval import sources
    from worker.retrieval.sync import run

    (tmp_path / "a.md").write_text("# A\n\ntext")
    [article] = load_articles(tmp_path)
    before, hash_before = fingerprint([article]), run.article_hash(article)
    # when the chunker would split it differently
    monkeypatch.setattr(sources, "CHUNKER_VERSION", sources.CHUNKER_VERSION + 1)
    monkeypatch.setattr(run, "CHUNKER_VERSION", run.CHUNKER_VERSION + 1)
    # then its index is stale and a sync splits the article again instead of reusing its chunks
    assert fingerprint([article]) != before
    assert run.article_hash(article) != hash_before
