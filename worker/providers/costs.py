"""What a model call costs: one table of model ids, list prices and prompt-cache minimums.

Prices are USD per million tokens. Anthropic bills four kinds of input/output separately: uncached
input, output, cache writes (5-minute TTL: 1.25x input) and cache reads (0.1x input). OpenAI caches
automatically, charges nothing extra to write and bills cached input at its own discount. Every
`Usage` this module prices counts `input_tokens` as the *uncached* input only, so the four terms add up.

The table is overridable per model with `TICKETFLOW_PRICES_JSON`, e.g.
`{"claude-sonnet-5-5": {"input": 2, "output": 10}}` (missing cache prices follow the 1.25x / 0.1x rule).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from worker.errors import ConfigError
from worker.models import Usage

MTOK = 1_000_000


@dataclass(frozen=True)
class ModelSpec:
    """A model's list prices (USD per million tokens) and the shortest prefix its prompt cache accepts."""

    input: float
    output: float
    cache_write: float
    cache_read: float
    min_cache_tokens: int = 1024

    @classmethod
    def anthropic(cls, input: float, output: float, min_cache_tokens: int) -> ModelSpec:
        """Anthropic's rule: 5-minute cache writes cost 1.25x input, reads 0.1x."""
        return cls(input, output, round(input * 1.25, 6), round(input * 0.1, 6), min_cache_tokens)

    @classmethod
    def openai(cls, input: float, output: float, cached_input: float) -> ModelSpec:
        """OpenAI: automatic caching from 1,024 tokens, writes at the plain input price."""
        return cls(input, output, input, cached_input, 1024)


# Sources: Anthropic's models overview and pricing pages, OpenAI's pricing page (list prices, standard
# tier, prompts under Haiku 5.5's 100K-token long-context threshold). Cache minimums: Anthropic's
# prompt-caching page; a marked prefix shorter than this is silently not cached.
DEFAULT_MODELS: dict[str, ModelSpec] = {
    # current Anthropic models (the defaults)
    "claude-haiku-5-5": ModelSpec.anthropic(0.10, 0.50, 512),
    "claude-sonnet-5-5": ModelSpec.anthropic(2.00, 10.00, 1024),
    "claude-opus-5-5": ModelSpec.anthropic(4.00, 20.00, 1024),
    "claude-sonnet-5": ModelSpec.anthropic(2.00, 10.00, 1024),
    "claude-opus-5": ModelSpec.anthropic(5.00, 25.00, 1024),
    # the reference design's models, still served
    "claude-haiku-4-5": ModelSpec.anthropic(1.00, 5.00, 4096),
    "claude-sonnet-4-5": ModelSpec.anthropic(3.00, 15.00, 1024),
    "claude-sonnet-4-6": ModelSpec.anthropic(3.00, 15.00, 2048),
    "claude-opus-4-5": ModelSpec.anthropic(5.00, 25.00, 4096),
    "claude-opus-4-6": ModelSpec.anthropic(5.00, 25.00, 4096),
    # OpenAI chat and embedding models
    "gpt-4o-mini": ModelSpec.openai(0.15, 0.60, 0.075),
    "gpt-4o": ModelSpec.openai(2.50, 10.00, 1.25),
    "gpt-4.1-mini": ModelSpec.openai(0.40, 1.60, 0.10),
    "gpt-4.1": ModelSpec.openai(2.00, 8.00, 0.50),
    "gpt-5-mini": ModelSpec.openai(0.25, 2.00, 0.025),
    "gpt-5": ModelSpec.openai(1.25, 10.00, 0.125),
    "text-embedding-3-small": ModelSpec.openai(0.02, 0.0, 0.02),
    "text-embedding-3-large": ModelSpec.openai(0.13, 0.0, 0.13),
    # the offline provider
    "local-nb-1": ModelSpec(0.0, 0.0, 0.0, 0.0, 0),
    "local-lr-2": ModelSpec(0.0, 0.0, 0.0, 0.0, 0),
}

_DATED = re.compile(r"-(\d{8})$")


def canonical(model: str) -> str:
    """The table key of a model id: dated snapshots (`claude-haiku-4-5-20251001`) price as their alias."""
    return _DATED.sub("", model.strip())


@dataclass(frozen=True)
class PriceTable:
    """Model id -> spec; unknown models are a configuration error, never a silent $0."""

    models: dict[str, ModelSpec]

    def spec(self, model: str) -> ModelSpec:
        """The spec of `model` (dated ids accepted)."""
        found = self.models.get(model) or self.models.get(canonical(model))
        if found is None:
            raise ConfigError(f"no price for model {model!r}: add it with TICKETFLOW_PRICES_JSON")
        return found

    def cost(self, model: str, *, input_tokens: int, output_tokens: int, cache_read_tokens: int = 0, cache_write_tokens: int = 0) -> float:
        """USD for one call; `input_tokens` excludes the cached part."""
        p = self.spec(model)
        usd = input_tokens * p.input + output_tokens * p.output + cache_write_tokens * p.cache_write + cache_read_tokens * p.cache_read
        return usd / MTOK

    def price(self, usage: Usage) -> Usage:
        """The same usage with `cost_usd` filled in."""
        usd = self.cost(
            usage.model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
        )
        return usage.model_copy(update={"cost_usd": round(usd, 9)})


def parse_overrides(raw: str) -> dict[str, ModelSpec]:
    """Specs from `TICKETFLOW_PRICES_JSON`; a field left out keeps the default (or Anthropic's cache rule)."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"TICKETFLOW_PRICES_JSON is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError("TICKETFLOW_PRICES_JSON must be an object: {model: {input, output, ...}}")
    out: dict[str, ModelSpec] = {}
    for model, fields in data.items():
        if not isinstance(fields, dict):
            raise ConfigError(f"TICKETFLOW_PRICES_JSON[{model!r}] must be an object")
        unknown = set(fields) - {"input", "output", "cache_write", "cache_read", "min_cache_tokens"}
        if unknown:
            raise ConfigError(f"TICKETFLOW_PRICES_JSON[{model!r}] has unknown fields {sorted(unknown)}")
        try:
            values = {k: (int(v) if k == "min_cache_tokens" else float(v)) for k, v in fields.items()}
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"TICKETFLOW_PRICES_JSON[{model!r}]: {exc}") from exc
        if any(v < 0 for v in values.values()):
            raise ConfigError(f"TICKETFLOW_PRICES_JSON[{model!r}]: prices cannot be negative")
        base = DEFAULT_MODELS.get(canonical(model))
        if base is None:
            if "input" not in values or "output" not in values:
                raise ConfigError(f"TICKETFLOW_PRICES_JSON[{model!r}] is a new model: give at least input and output")
            base = ModelSpec.anthropic(values["input"], values["output"], 1024)
        elif "input" in values:
            # A new input price moves the derived cache prices with it unless they are given too.
            base = replace(base, cache_write=values["input"] * base.cache_write / base.input if base.input else 0.0,
                           cache_read=values["input"] * base.cache_read / base.input if base.input else 0.0)
        out[model] = replace(base, **values)  # type: ignore[arg-type]
    return out


@lru_cache(maxsize=8)
def price_table(prices_json: str = "") -> PriceTable:
    """The default table with the overrides applied."""
    return PriceTable({**DEFAULT_MODELS, **parse_overrides(prices_json)})
