"""The incremental index: only new or changed chunks are embedded, deleted ones dropped, staleness noticed."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from worker.retrieval import index as ix
from worker.retrieval.chunking import chunk_article
from worker.retrieval.retriever import build_retriever, sync_index
from worker.retrieval.sources import load_articles
from worker.settings import load_settings

HELP = Path(__file__).resolve().parents[2] / "corpus" / "help"
# A third of the help centre, the articles these tests edit, remove or search among them: fitting the
# local basis over all of it costs ~1 s a build, and the index logic is the same at any size.
ARTICLES = (
    "guest-access", "webhooks", "tasks", "password-reset", "invite-and-remove-members", "roles-and-permissions", "projects",
    "recurring-tasks", "subtasks", "templates", "mentions", "search", "notification-settings", "comments-and-attachments",
    "boards-and-kanban", "calendar-view", "time-tracking", "import-data", "export-and-backups", "api-tokens",
    "slack-integration", "zapier-integration", "two-factor-authentication", "sign-in-and-sso",
)


@pytest.fixture
def help_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "help"
    dst.mkdir()
    for name in ARTICLES:
        shutil.copy(HELP / f"{name}.md", dst)
    return dst


def _edit(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace("\n## ", "\nA sentence added by an editor.\n\n## ", 1), encoding="utf-8")


def test_changing_one_article_re_embeds_only_that_articles_chunks(help_copy: Path, tmp_path: Path) -> None:
    # given an index built from the help centre, saved to disk
    first, report, path, fresh = sync_index(help_copy, tmp_path / "idx")
    assert report is not None and report.embedded == report.chunks and fresh
    # when one article changes and the index is synced again, counting what the encoder sees
    _edit(help_copy / "guest-access.md")
    loaded = ix.load(path)
    seen: list[str] = []
    encode = loaded.encoder.encode
    loaded.encoder.encode = lambda texts: (seen.extend(texts), encode(texts))[1]  # type: ignore[method-assign]
    articles = load_articles(help_copy)
    second, rep = ix.build(articles, previous=loaded, source=str(help_copy))
    # then only the changed article's chunks went through the encoder
    changed = [p for p in second.passages if p.doc_id == "guest-access" and p.language == "en"]
    assert rep.articles_changed == ["en/guest-access"] and not rep.articles_added and not rep.articles_removed
    assert not rep.refit
    assert rep.embedded == len(seen) >= 1
    assert all(t.startswith("Guest access") or "guest" in t.lower() for t in seen)
    assert rep.embedded <= len(changed) and rep.reused == rep.chunks - rep.embedded
    # and every other chunk kept its vector bit for bit
    old = {h: first.vectors[i] for i, h in enumerate(first.hashes)}
    for i, h in enumerate(second.hashes):
        if h in old:
            assert np.array_equal(second.vectors[i], old[h])


def test_a_sync_reports_added_changed_and_removed_articles_and_an_unchanged_one_is_left_alone(help_copy: Path, tmp_path: Path) -> None:
    sync_index(help_copy, tmp_path / "idx")
    _, again, _, fresh = sync_index(help_copy, tmp_path / "idx")
    assert again is None and fresh, "an unchanged help centre is not rebuilt"
    removed = chunk_article(next(a for a in load_articles(help_copy) if a.doc_id == "webhooks"))
    (help_copy / "webhooks.md").unlink()
    (help_copy / "new-article.md").write_text("# Brand new\n\n## Only section\n\nSomething nobody wrote before.\n")
    _edit(help_copy / "tasks.md")
    _, rep, _, _ = sync_index(help_copy, tmp_path / "idx")
    assert rep is not None
    assert rep.articles_added == ["en/new-article"]
    assert rep.articles_changed == ["en/tasks"]
    assert rep.articles_removed == ["en/webhooks"]
    assert rep.dropped >= len(removed)
    assert rep.reused > 0.8 * rep.chunks


def test_a_saved_index_searches_exactly_like_the_built_one(help_copy: Path, tmp_path: Path) -> None:
    built, _, path, _ = sync_index(help_copy, tmp_path / "idx")
    loaded = ix.load(path)
    assert loaded.hashes == built.hashes and loaded.counts.vocab == built.counts.vocab
    assert np.array_equal(loaded.vectors, built.vectors)
    from worker.retrieval.retriever import Retriever

    q = "how do I invite someone from outside the company to one project"
    assert [c.model_dump() for c in Retriever(loaded).search(q)] == [c.model_dump() for c in Retriever(built).search(q)]


def test_a_worker_whose_index_is_stale_says_so_loudly_and_in_its_health(help_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(index_dir=tmp_path / "idx", retrieval_auto_rebuild=False)
    assert build_retriever(help_copy, settings).health()["fresh"] is True
    _edit(help_copy / "tasks.md")
    with caplog.at_level(logging.WARNING, logger="ticketflow.retrieve"):
        stale = build_retriever(help_copy, settings)
    assert stale.health()["fresh"] is False
    assert any("STALE" in r.getMessage() for r in caplog.records)


def test_a_worker_refreshes_a_stale_index_when_allowed_and_says_what_it_re_embedded(help_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(index_dir=tmp_path / "idx")
    build_retriever(help_copy, settings)
    _edit(help_copy / "tasks.md")
    with caplog.at_level(logging.WARNING, logger="ticketflow.retrieve"):
        fresh = build_retriever(help_copy, settings)
    assert fresh.health()["fresh"] is True
    assert any("re-embedded" in r.getMessage() and "en/tasks" in r.getMessage() for r in caplog.records)


def test_an_unreadable_index_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "x.npz"
    bad.write_bytes(b"not numpy")
    with pytest.raises(ix.IndexFileError, match="cannot read index"):
        ix.load(bad)


def test_the_readiness_check_says_missing_then_ok_then_stale(help_copy: Path, tmp_path: Path) -> None:
    from worker.retrieval.freshness import index_check

    settings = load_settings(retrieval_source=help_copy, index_dir=tmp_path / "idx")
    assert index_check(settings).startswith("missing")
    build_retriever(settings.corpus_dir, settings)
    assert index_check(settings) == "ok"
    _edit(help_copy / "tasks.md")
    assert index_check(settings).startswith("stale")


def test_an_index_directory_that_cannot_be_written_still_yields_a_working_retriever(help_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the index directory should be")
    settings = load_settings(index_dir=blocker / "idx")
    with caplog.at_level(logging.WARNING, logger="ticketflow.retrieve"):
        r = build_retriever(help_copy, settings)
    assert r.search("reset my password")[0].doc_id == "password-reset"
    assert any("serving it from memory" in rec.getMessage() for rec in caplog.records)


def test_an_index_built_by_another_chunker_or_analysis_version_is_rebuilt_whole(help_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given an index built and saved by an older version of the chunker and the term analysis
    from worker.retrieval import chunking, sources

    for module in (chunking, sources):
        monkeypatch.setattr(module, "CHUNKER_VERSION", chunking.CHUNKER_VERSION - 1)
    _, first, path, _ = sync_index(help_copy, tmp_path / "idx")
    assert first is not None and first.embedded == first.chunks
    # when this version syncs the same, unchanged articles
    monkeypatch.undo()
    index, report, _, fresh = sync_index(help_copy, tmp_path / "idx")
    # then no chunk's old vector or old term counts is kept, and the local basis is fitted again
    assert fresh and report is not None
    assert report.reused == 0 and report.embedded == report.chunks and report.refit
