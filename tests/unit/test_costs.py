"""The price table: list prices, cache multipliers, dated ids, overrides, unknown models."""

from __future__ import annotations

import pytest

from worker.errors import ConfigError
from worker.models import Usage
from worker.providers.costs import DEFAULT_MODELS, price_table


def test_haiku_45_and_sonnet_45_cost_what_the_reference_design_checked() -> None:
    # 100 in / 15 out on Haiku 4.5 and 600 in / 200 out on Sonnet 4.5: about $0.0050 a ticket.
    t = price_table()
    total = t.cost("claude-haiku-4-5", input_tokens=100, output_tokens=15) + t.cost("claude-sonnet-4-5", input_tokens=600, output_tokens=200)
    assert total == pytest.approx(0.000175 + 0.0048)


@pytest.mark.parametrize("model", ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-haiku-5-5", "claude-sonnet-5-5"])
def test_anthropic_cache_writes_cost_125_percent_and_reads_10_percent(model: str) -> None:
    t = price_table()
    plain = t.cost(model, input_tokens=1_000_000, output_tokens=0)
    assert t.cost(model, input_tokens=0, output_tokens=0, cache_write_tokens=1_000_000) == pytest.approx(plain * 1.25)
    assert t.cost(model, input_tokens=0, output_tokens=0, cache_read_tokens=1_000_000) == pytest.approx(plain * 0.1)


def test_usage_is_priced_from_all_four_token_kinds() -> None:
    u = Usage(stage="generate", provider="anthropic", model="claude-sonnet-5-5", input_tokens=100, output_tokens=200, cache_read_tokens=2000, cache_write_tokens=0)
    priced = price_table().price(u)
    assert priced.cost_usd == pytest.approx((100 * 2 + 200 * 10 + 2000 * 0.2) / 1e6)


def test_a_dated_snapshot_prices_as_its_alias() -> None:
    t = price_table()
    assert t.spec("claude-haiku-4-5-20251001") == DEFAULT_MODELS["claude-haiku-4-5"]


def test_an_unpriced_model_is_a_config_error_not_a_free_call() -> None:
    with pytest.raises(ConfigError, match="no price"):
        price_table().spec("claude-imaginary-9")


def test_prices_can_be_overridden_from_the_environment_and_cache_prices_follow() -> None:
    t = price_table('{"claude-sonnet-5-5": {"input": 4}, "my-model": {"input": 1, "output": 2}}')
    s = t.spec("claude-sonnet-5-5")
    assert (s.input, s.output, s.cache_write, s.cache_read) == pytest.approx((4, 10, 5, 0.4))
    assert t.spec("my-model").output == 2


@pytest.mark.parametrize("raw", ["not json", "[1]", '{"m": {"input": -1, "output": 1}}', '{"m": {"inputs": 1}}', '{"new-model": {"input": 1}}'])
def test_a_bad_price_override_is_one_clear_config_error(raw: str) -> None:
    with pytest.raises(ConfigError, match="TICKETFLOW_PRICES_JSON"):
        price_table(raw)
