"""OpenAI provider: chat models classify and write (JSON-schema structured output); embeddings for retrieval.

The same prompts as the Anthropic provider. OpenAI caches prompt prefixes of 1,024 tokens and more
by itself; the stable system prompt comes first and is sized to clear that, and `prompt_cache_key`
routes every ticket of a stage to the same cache. `prompt_tokens` includes the cached part, so the
uncached input is `prompt_tokens - cached_tokens`. SDK retries are off: Celery owns retries.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai

from worker.errors import ConfigError, ProviderRejected
from worker.models import Chunk, Classification, Draft, Ticket, Usage
from worker.providers import prompts
from worker.providers.costs import PriceTable, price_table
from worker.providers.errors import SdkErrors, provider_error
from worker.providers.prompts import Prefix
from worker.providers.ratelimit import RateLimiter, limiter_for
from worker.settings import Settings

log = logging.getLogger("ticketflow.providers.openai")

CLASSIFY_MAX_TOKENS = 200
EMBED_BATCH = 512  # inputs per embeddings request (the API allows 2,048 and 300k tokens)
EMBED_MAX_TOKENS = 250_000  # tokens per embeddings request, under the API's 300k cap
SDK_ERRORS = SdkErrors(status=openai.APIStatusError, connection=openai.APIConnectionError)


@dataclass
class OpenAIProvider:
    """Classify with `classify_model`, write with `generate_model`, embed with `embedding_model`."""

    client: openai.OpenAI
    classify_model: str
    generate_model: str
    prices: PriceTable
    limiter: RateLimiter
    max_output_tokens: int = 400
    help_centre: Path | None = None  # folder or JSONL the help-centre map is read from
    embedding_model: str = "text-embedding-3-small"
    name: str = "openai"
    company: prompts.Company = field(default_factory=prompts.Company)
    prefixes: dict[str, Prefix] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.prefixes = {
            "classify": prompts.classify_prefix(self.prices.spec(self.classify_model).min_cache_tokens, self.help_centre, self.company),
            "generate": prompts.generate_prefix(self.prices.spec(self.generate_model).min_cache_tokens, self.help_centre, self.company),
        }

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIProvider:
        """Client (no SDK retries), price table and limiter from settings; a missing key is one ConfigError."""
        if settings.openai_api_key is None:
            raise ConfigError("the openai provider needs OPENAI_API_KEY")
        prices = price_table(settings.prices_json)
        for model in (settings.openai_classify_model, settings.openai_generate_model, settings.openai_embedding_model):
            prices.spec(model)
        client = openai.OpenAI(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=settings.openai_base_url,  # None: the SDK reads OPENAI_BASE_URL, else the public API
            timeout=settings.provider_timeout_s,
            max_retries=0,
        )
        limiter = limiter_for(
            "openai", redis_url=settings.redis_url, rpm=settings.rate_limit_rpm, itpm=settings.rate_limit_tpm,
            otpm=settings.rate_limit_otpm, per_model_json=settings.rate_limits_json, max_wait_s=settings.rate_limit_max_wait_s,
        )
        return cls(client, settings.openai_classify_model, settings.openai_generate_model, prices, limiter,
                   settings.max_output_tokens, settings.retrieval_source or settings.corpus_dir, settings.openai_embedding_model,
                   company=prompts.Company(settings.company_name, settings.company_description))

    def request(self, stage: str, user_text: str, ticket: Ticket) -> dict[str, Any]:
        """The Chat Completions body for a stage."""
        schema = prompts.CLASSIFY_SCHEMA if stage == "classify" else prompts.GENERATE_SCHEMA
        return {
            "model": self.classify_model if stage == "classify" else self.generate_model,
            "max_completion_tokens": CLASSIFY_MAX_TOKENS if stage == "classify" else self.max_output_tokens,
            "messages": [{"role": "system", "content": self.prefixes[stage].text}, *prompts.conversation(ticket, user_text)],
            "response_format": {"type": "json_schema", "json_schema": {"name": f"ticketflow_{stage}", "schema": schema, "strict": True}},
            "prompt_cache_key": f"ticketflow-{stage}",
        }

    def _call(self, stage: str, body: dict[str, Any], holder: str) -> tuple[str, Usage]:
        model = body["model"]
        estimate = prompts.estimate_tokens(json.dumps(body["messages"])) if self.limiter.counts_input_tokens(model) else 0
        reservation = self.limiter.acquire(model, input_tokens=estimate, output_tokens=body["max_completion_tokens"], holder=holder)
        try:
            resp = self.client.chat.completions.create(**body)
        except openai.OpenAIError as exc:
            self.limiter.settle(reservation, input_tokens=estimate, output_tokens=0)
            raise provider_error(exc, self.name, SDK_ERRORS) from exc
        u = resp.usage
        cached = (u.prompt_tokens_details.cached_tokens or 0) if u and u.prompt_tokens_details else 0
        usage = Usage(
            stage=stage, provider=self.name, model=model, input_tokens=(u.prompt_tokens if u else 0) - cached,
            output_tokens=u.completion_tokens if u else 0, cache_read_tokens=cached,
        )
        self.limiter.settle(reservation, input_tokens=usage.input_tokens + cached, output_tokens=usage.output_tokens)
        usage = self.prices.price(usage)
        if not resp.choices:
            raise ProviderRejected(f"{model} returned no choice", provider=self.name, request_id=resp.id)
        choice = resp.choices[0]
        if choice.finish_reason == "length":
            raise ProviderRejected(f"{model} ran out of output tokens in {stage}", provider=self.name, request_id=resp.id)
        if getattr(choice.message, "refusal", None):
            raise ProviderRejected(f"{model} refused the {stage} request", provider=self.name, request_id=resp.id)
        return choice.message.content or "", usage

    def classify(self, ticket: Ticket) -> tuple[Classification, Usage]:
        """Intent, urgency, frustration and injection flags as validated JSON."""
        text, usage = self._call("classify", self.request("classify", prompts.classify_request(ticket), ticket), f"{ticket.uid}:classify")
        return prompts.parse_classification(text, self.name), usage

    def generate(self, ticket: Ticket, classification: Classification, chunks: list[Chunk]) -> tuple[Draft, Usage]:
        """A reply grounded in `chunks`; its citations name only those chunks."""
        canned = prompts.canned(classification, chunks)
        if canned is not None:
            return canned, Usage(stage="generate", provider=self.name, model=self.generate_model)
        text, usage = self._call("generate", self.request("generate", prompts.generate_request(ticket, classification, chunks), ticket), f"{ticket.uid}:generate")
        return prompts.parse_draft(text, chunks, self.name), usage

    def embed(self, texts: list[str]) -> tuple[list[list[float]], Usage]:
        """Embeddings for `texts` in order, batched within the API's limits, with the summed usage."""
        vectors: list[list[float]] = []
        total = 0
        for batch in _batches(texts):
            reservation = self.limiter.acquire(self.embedding_model, input_tokens=sum(prompts.estimate_tokens(t) for t in batch), output_tokens=0)
            try:
                resp = self.client.embeddings.create(model=self.embedding_model, input=batch, encoding_format="float")
            except openai.OpenAIError as exc:
                raise provider_error(exc, self.name, SDK_ERRORS) from exc
            self.limiter.settle(reservation, input_tokens=resp.usage.prompt_tokens, output_tokens=0)
            if len(resp.data) != len(batch):
                raise ProviderRejected(f"embeddings: {len(resp.data)} vectors for {len(batch)} inputs", provider=self.name)
            vectors += [d.embedding for d in sorted(resp.data, key=lambda d: d.index)]
            total += resp.usage.prompt_tokens
        usage = Usage(stage="embed", provider=self.name, model=self.embedding_model, input_tokens=total)
        return vectors, self.prices.price(usage)


def _batches(texts: list[str]) -> list[list[str]]:
    """Split into requests of at most EMBED_BATCH inputs and about EMBED_MAX_TOKENS tokens."""
    out: list[list[str]] = []
    cur: list[str] = []
    tokens = 0
    for t in texts:
        n = prompts.estimate_tokens(t)
        if cur and (len(cur) >= EMBED_BATCH or tokens + n > EMBED_MAX_TOKENS):
            out.append(cur)
            cur, tokens = [], 0
        cur.append(t or " ")  # the API refuses empty strings
        tokens += n
    if cur:
        out.append(cur)
    return out
