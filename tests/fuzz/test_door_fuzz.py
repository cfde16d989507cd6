"""The door fuzzed end to end, small: bodies through a real `ticketflow serve` and real workers (`python -m devkit.fuzz_door` is the full run)."""

from __future__ import annotations

import pytest

from devkit.fuzz_door import failed, run
from devkit.services import redis_server_executable


@pytest.mark.skipif(redis_server_executable() is None, reason="the fuzz run starts a redis-server of its own")
def test_fuzzed_bodies_get_no_5xx_and_every_2xx_ends_in_one_result_with_nothing_half_written() -> None:
    figures = run(400, seed=1515, workers=1, concurrency=8, clients=8, timeout_s=300, reads=100)
    print(f"\nFUZZ door: { {k: figures[k] for k in ('bodies', '2xx', '4xx', '5xx', 'accepted', 'results')} }")
    assert failed(figures) == [], figures
    # the run reached both sides of the door, and the issue's own cases among them
    assert figures["accepted"] > 50 and figures["4xx"] > 50
    assert figures["by_kind"]["nested_metadata"].get("4xx") and figures["by_kind"]["reserved_source"].get("4xx")
