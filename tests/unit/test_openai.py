"""The OpenAI provider through the real `openai` SDK against the local fake API."""

from __future__ import annotations

import pytest

from devkit.fakes.models import FakeModelServer
from tests.support.models import make_openai
from worker.errors import ProviderRejected, ProviderUnavailable
from worker.models import Chunk, Classification, Ticket
from worker.providers import build_provider
from worker.providers.split import SplitProvider
from worker.settings import load_settings

CHUNKS = [Chunk(doc_id="data-export", title="Exporting data", section="CSV export", text="Open the project, choose Export and pick CSV.")]


def _ticket(i: int = 1, message: str = "How can I export my project to CSV?") -> Ticket:
    return Ticket(id=f"t{i}", message=message)


def test_classification_and_reply_with_automatic_prompt_caching_priced(fake: FakeModelServer) -> None:
    p = make_openai(fake)
    _, first = p.classify(_ticket(1))
    cls, second = p.classify(_ticket(2))
    assert cls.intent == "faq"
    assert first.cache_read_tokens == 0 and second.cache_read_tokens > 0 and second.cache_read_tokens % 128 == 0
    assert second.cost_usd < first.cost_usd
    # prompt_tokens counts the cached part too; input_tokens here is only the uncached part
    assert second.input_tokens + second.cache_read_tokens == fake.calls[-1].usage["prompt_tokens"]
    draft, usage = p.generate(_ticket(), cls, CHUNKS)
    assert draft.grounded and [c.doc_id for c in draft.citations] == ["data-export"] and usage.model == "gpt-4o"
    body = fake.calls[-1].body
    assert body["response_format"]["json_schema"]["strict"] is True and body["messages"][0]["role"] == "system"


@pytest.mark.parametrize(("status", "retry_after"), [(429, 4.0), (500, None), (503, 2.0)])
def test_transient_http_errors_are_unavailable(fake: FakeModelServer, status: int, retry_after: float | None) -> None:
    fake.fail(status, retry_after=retry_after)
    with pytest.raises(ProviderUnavailable) as err:
        make_openai(fake).classify(_ticket())
    assert err.value.status == status and err.value.retry_after == retry_after


def test_a_timeout_is_unavailable(fake: FakeModelServer) -> None:
    fake.stall(1.5)
    with pytest.raises(ProviderUnavailable):
        make_openai(fake, timeout=0.3).classify(_ticket())


def test_400_and_malformed_output_are_rejected(fake: FakeModelServer) -> None:
    p = make_openai(fake)
    fake.fail(400)
    with pytest.raises(ProviderRejected):
        p.classify(_ticket())
    fake.malformed()
    with pytest.raises(ProviderRejected, match="not JSON"):
        p.generate(_ticket(), Classification(intent="faq"), CHUNKS)


def test_embeddings_come_back_in_order_batched_and_priced(fake: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import worker.providers.openai as mod

    monkeypatch.setattr(mod, "EMBED_BATCH", 3)
    texts = [f"text number {i} about csv export" for i in range(7)] + ["password reset e-mail"]
    vectors, usage = make_openai(fake).embed(texts)
    assert len(vectors) == 8 and len({len(v) for v in vectors}) == 1
    assert len([c for c in fake.calls if c.path == "/v1/embeddings"]) == 3
    same, _ = make_openai(fake).embed([texts[7]])
    assert same[0] == vectors[7]
    assert usage.model == "text-embedding-3-small" and usage.cost_usd > 0


def test_classification_and_generation_can_use_different_providers(fake: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    settings = load_settings(classify_provider="anthropic", generate_provider="openai", anthropic_base_url=fake.base_url, openai_base_url=fake.openai_base_url)
    p = build_provider(settings)
    assert isinstance(p, SplitProvider) and p.name == "anthropic+openai"
    cls, cu = p.classify(_ticket())
    _, gu = p.generate(_ticket(), cls, CHUNKS)
    assert (cu.provider, gu.provider) == ("anthropic", "openai")
