"""OpenAI embeddings for the index, through the real SDK against the suite's fake model server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.fakes.models import FakeModelServer
from worker.retrieval import index as ix
from worker.retrieval.retriever import Retriever, provider_encoder, sync_index
from worker.settings import load_settings

HELP = Path(__file__).resolve().parents[2] / "corpus" / "help"
ARTICLES = ("mentions", "comments-and-attachments", "notification-settings", "tasks", "subtasks", "projects", "guest-access",
            "invite-and-remove-members", "password-reset", "search", "slack-integration", "time-tracking")


@pytest.fixture
def fake() -> Iterator[FakeModelServer]:
    server = FakeModelServer().start()
    yield server
    server.stop()


def _embedded(fake: FakeModelServer) -> list[str]:
    return [t for c in fake.calls if c.path == "/v1/embeddings" for t in c.body["input"]]


def test_an_openai_index_embeds_every_chunk_once_then_only_what_changed(fake: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a help centre and settings that choose OpenAI embeddings
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    settings = load_settings(retrieval_embeddings="openai", openai_base_url=fake.openai_base_url, index_dir=tmp_path / "idx")
    src = tmp_path / "help"
    src.mkdir()
    for name in ARTICLES:  # a part of the help centre: every chunk crosses HTTP as 1,536 floats (batching: test_openai.py)
        shutil.copy(HELP / f"{name}.md", src)
    # when it is indexed
    index, report, path, _ = sync_index(src, settings.index_dir, encoder=provider_encoder(settings))
    # then every chunk went to the API once, in batches of at most the provider's limit
    assert report is not None and len(_embedded(fake)) == report.chunks == len(index.passages)
    assert index.encoder.kind == "openai:text-embedding-3-small" and index.vectors.shape[1] == 1536
    # and after one article changes, only its chunks are sent again
    before = len(fake.calls)
    art = src / "mentions.md"
    art.write_text(art.read_text(encoding="utf-8") + "\n\nOne more line from an editor.\n", encoding="utf-8")
    _, rep, _, _ = sync_index(src, settings.index_dir, encoder=provider_encoder(settings))
    sent = [t for c in list(fake.calls)[before:] if c.path == "/v1/embeddings" for t in c.body["input"]]
    assert rep is not None and rep.articles_changed == ["en/mentions"]
    assert len(sent) == rep.embedded >= 1 and all("Mention" in t or "mention" in t for t in sent)
    # and queries are embedded by the same model
    loaded = ix.load(path, provider_encoder(settings))
    assert Retriever(loaded).search("how do I mention a teammate in a comment")[0].doc_id == "mentions"


def test_an_index_built_with_openai_is_refused_without_openai_configured(fake: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    settings = load_settings(retrieval_embeddings="openai", openai_base_url=fake.openai_base_url)
    src = tmp_path / "help"
    src.mkdir()
    (src / "a.md").write_text("# A\n\n## S\n\nSome text about exports.\n")
    _, _, path, _ = sync_index(src, tmp_path / "idx", encoder=provider_encoder(settings))
    with pytest.raises(ix.IndexFileError, match="openai"):
        ix.load(path)
