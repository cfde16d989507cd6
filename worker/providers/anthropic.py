"""Anthropic provider: a Haiku-class model classifies, a Sonnet-class model writes, both through the Messages API.

- Both stages return JSON through the API's structured output (`output_config.format` with a JSON
  schema), then validated against our pydantic types: no string scraping.
- The system prompt is one text block marked `cache_control: ephemeral`, sized per model so it clears
  the model's minimum cacheable length (see `worker.providers.prompts`); usage records cache writes and reads.
- Thinking is disabled: triage and a short grounded reply gain nothing from it, and thinking tokens
  would be billed as output.
- The SDK never retries (`max_retries=0`): Celery owns the retry policy. Errors map to
  ProviderUnavailable (timeouts, connection errors, 408/409/429/5xx/529, with `retry-after`) or
  ProviderRejected (other 4xx, refusals, truncated or invalid output).
- Every call passes the cluster-wide rate limiter first.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anthropic

from worker.errors import ConfigError, ProviderRejected
from worker.models import Chunk, Classification, Draft, Ticket, Usage
from worker.providers import prompts
from worker.providers.costs import PriceTable, price_table
from worker.providers.errors import SdkErrors, provider_error
from worker.providers.prompts import Prefix
from worker.providers.ratelimit import RateLimiter, limiter_for
from worker.settings import Settings

log = logging.getLogger("ticketflow.providers.anthropic")

CLASSIFY_MAX_TOKENS = 200
SDK_ERRORS = SdkErrors(status=anthropic.APIStatusError, connection=anthropic.APIConnectionError)


@dataclass
class AnthropicProvider:
    """Classify with `classify_model`, write with `generate_model`; cached system prompts per stage."""

    client: anthropic.Anthropic
    classify_model: str
    generate_model: str
    prices: PriceTable
    limiter: RateLimiter
    max_output_tokens: int = 400
    help_centre: Path | None = None  # folder or JSONL the help-centre map is read from
    name: str = "anthropic"
    company: prompts.Company = field(default_factory=prompts.Company)
    prefixes: dict[str, Prefix] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.prefixes = {
            "classify": prompts.classify_prefix(self.prices.spec(self.classify_model).min_cache_tokens, self.help_centre, self.company),
            "generate": prompts.generate_prefix(self.prices.spec(self.generate_model).min_cache_tokens, self.help_centre, self.company),
        }
        for stage, p in self.prefixes.items():
            if not p.cacheable:
                log.warning("the %s prompt prefix (~%d tokens) may be below the model's cache minimum (%d): it will not be cached", stage, p.tokens, p.min_tokens)

    @classmethod
    def from_settings(cls, settings: Settings) -> AnthropicProvider:
        """Client (no SDK retries), price table and limiter from settings; a missing key is one ConfigError."""
        if settings.anthropic_api_key is None:
            raise ConfigError("the anthropic provider needs ANTHROPIC_API_KEY")
        prices = price_table(settings.prices_json)
        prices.spec(settings.anthropic_classify_model)  # unpriced models fail here, at start-up
        prices.spec(settings.anthropic_generate_model)
        client = anthropic.Anthropic(
            api_key=settings.anthropic_api_key.get_secret_value(),
            base_url=settings.anthropic_base_url,  # None: the SDK reads ANTHROPIC_BASE_URL, else the public API
            timeout=settings.provider_timeout_s,
            max_retries=0,
        )
        limiter = limiter_for(
            "anthropic", redis_url=settings.redis_url, rpm=settings.rate_limit_rpm, itpm=settings.rate_limit_tpm,
            otpm=settings.rate_limit_otpm, per_model_json=settings.rate_limits_json, max_wait_s=settings.rate_limit_max_wait_s,
        )
        return cls(client, settings.anthropic_classify_model, settings.anthropic_generate_model, prices, limiter,
                   settings.max_output_tokens, settings.retrieval_source or settings.corpus_dir,
                   company=prompts.Company(settings.company_name, settings.company_description))

    def request(self, stage: str, user_text: str, ticket: Ticket) -> dict[str, Any]:
        """The Messages API body for a stage (exposed so tests can check what is cached)."""
        schema = prompts.CLASSIFY_SCHEMA if stage == "classify" else prompts.GENERATE_SCHEMA
        return {
            "model": self.classify_model if stage == "classify" else self.generate_model,
            "max_tokens": CLASSIFY_MAX_TOKENS if stage == "classify" else self.max_output_tokens,
            "system": [{"type": "text", "text": self.prefixes[stage].text, "cache_control": {"type": "ephemeral"}}],
            "messages": prompts.conversation(ticket, user_text),
            "output_config": {"format": {"type": "json_schema", "schema": schema}},
            "thinking": {"type": "disabled"},
        }

    def _call(self, stage: str, body: dict[str, Any], holder: str) -> tuple[str, Usage]:
        model = body["model"]
        # The estimate (~0.2 ms a call) only feeds an input-token budget; without one, skip it.
        estimate = self.prefixes[stage].tokens + prompts.estimate_tokens(json.dumps(body["messages"])) if self.limiter.counts_input_tokens(model) else 0
        reservation = self.limiter.acquire(model, input_tokens=estimate, output_tokens=body["max_tokens"], holder=holder)
        try:
            # The reply's JSON as it came, not the SDK's typed Message: building those models costs a
            # fifth of the SDK's CPU a call, for the few fields read here (errors are raised the same way).
            msg: dict[str, Any] = self.client.messages.with_raw_response.create(**body).json()  # type: ignore[assignment]
        except anthropic.APIError as exc:
            self.limiter.settle(reservation, input_tokens=estimate, output_tokens=0)
            raise provider_error(exc, self.name, SDK_ERRORS) from exc
        u = msg.get("usage") or {}
        usage = Usage(
            stage=stage, provider=self.name, model=model, input_tokens=int(u.get("input_tokens") or 0), output_tokens=int(u.get("output_tokens") or 0),
            cache_read_tokens=int(u.get("cache_read_input_tokens") or 0), cache_write_tokens=int(u.get("cache_creation_input_tokens") or 0),
        )
        # Cache reads do not count against Anthropic's input-token limit; writes do.
        self.limiter.settle(reservation, input_tokens=usage.input_tokens + usage.cache_write_tokens, output_tokens=usage.output_tokens)
        usage = self.prices.price(usage)
        stop, request_id = msg.get("stop_reason"), msg.get("id")
        if stop == "refusal":
            raise ProviderRejected(f"{model} refused the {stage} request", provider=self.name, request_id=request_id)
        if stop == "max_tokens":
            raise ProviderRejected(f"{model} ran out of output tokens ({body['max_tokens']}) in {stage}", provider=self.name, request_id=request_id)
        text = "".join(str(block.get("text", "")) for block in msg.get("content") or [] if block.get("type") == "text")
        log.debug("%s %s usage %s", stage, model, usage.model_dump())
        return text, usage

    def classify(self, ticket: Ticket) -> tuple[Classification, Usage]:
        """Intent, urgency, frustration and injection flags as validated JSON."""
        text, usage = self._call("classify", self.request("classify", prompts.classify_request(ticket), ticket), f"{ticket.uid}:classify")
        return prompts.parse_classification(text, self.name), usage

    def generate(self, ticket: Ticket, classification: Classification, chunks: list[Chunk]) -> tuple[Draft, Usage]:
        """A reply grounded in `chunks`; its citations name only those chunks."""
        canned = prompts.canned(classification, chunks)
        if canned is not None:
            return canned, Usage(stage="generate", provider=self.name, model=self.generate_model)
        body = self.request("generate", prompts.generate_request(ticket, classification, chunks), ticket)
        text, usage = self._call("generate", body, f"{ticket.uid}:generate")
        return prompts.parse_draft(text, chunks, self.name), usage
