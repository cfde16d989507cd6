"""A help-centre sync from the local Zendesk / Intercom stand-in reaches real workers on separate index folders:
both answer from the same version, each result names it, and after a change both switch without a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from devkit.fakes.helpcenter import FakeArticles, FakeGuide
from devkit.services import Workers
from producer.enqueue import Enqueuer, parse_ticket
from tests.conftest import wait_for_results
from tests.support.helpcenter import articles_api, env_of, guide
from worker.retrieval.sync import status
from worker.settings import load_settings

pytestmark = pytest.mark.integration
DARK = "<h2>Dark mode</h2><p>Open Preferences, choose Appearance and switch the dark mode toggle on; the dark theme follows you on every device.</p>"


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from console.cli import main; main()", *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


def _sync(env: dict[str, str], source: str) -> dict[str, Any]:
    done = _cli(env, "index", "sync", source, "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _wait_served(r: redis.Redis, version: str, n: int, timeout: float = 60.0) -> dict[str, list[str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        who = status.served(r)
        if len(who.get(version, [])) >= n:
            return who
        time.sleep(0.2)
    raise AssertionError(f"{n} workers never served {version}: {status.served(r)}")


@pytest.fixture(params=["zendesk", "intercom"])
def helpdesk(request: pytest.FixtureRequest) -> Iterator[tuple[str, FakeGuide | FakeArticles]]:
    fake: FakeGuide | FakeArticles = guide() if request.param == "zendesk" else articles_api()
    yield request.param, fake
    fake.stop()


def test_two_workers_answer_from_the_synced_version_and_switch_together(
    helpdesk: tuple[str, FakeGuide | FakeArticles], r: redis.Redis, use_env: dict[str, str], worker_env: dict[str, str],
    start_workers: Callable[..., Workers], tmp_path: Path,
) -> None:
    name, fake = helpdesk
    env = env_of(worker_env, **{f"{name}_url": fake.url})
    env["TICKETFLOW_INDEX_DIR"] = str(tmp_path / "sync")
    # given a first sync from the helpdesk
    first = _sync(env, name)
    assert first["published"] and first["mode"] == "full"
    # and two workers, each with an index folder of its own, checking for new versions often
    dirs = [tmp_path / "w1", tmp_path / "w2"]
    for d in dirs:
        start_workers(n=1, concurrency=2, env={**env, "TICKETFLOW_INDEX_DIR": str(d), "TICKETFLOW_INDEX_CHECK_S": "0.2"})
    v1 = first["version"]
    _wait_served(r, v1, 2)
    enq = Enqueuer(r, load_settings())
    for i in range(4):
        enq.enqueue(parse_ticket({"id": f"a{i}", "customer_id": f"c{i}", "message": "I forgot my password, how do I reset it?"}))
    results = wait_for_results(r, 4, timeout=90)
    # then both answered from the synced version, and every result says so
    assert {res["index_version"] for res in results} == {v1}
    assert {res["chunks"][0]["doc_id"] for res in results} == {f"{name}-101"}
    assert all((d / f"cluster-{v1}.npz").exists() for d in dirs)
    # when one article changes and the help centre is synced again
    if isinstance(fake, FakeGuide):
        fake.put(102, "Dark mode", DARK, section_id=7)
    else:
        fake.put("102", "Dark mode", DARK)
    second = _sync(env, name)
    v2 = second["version"]
    assert second["published"] and v2 != v1 and second["changed"] == [f"en/{name}-102"]
    assert second["embedded"] < second["chunks"]
    # then both workers switch to it without a restart, and the next tickets are answered from it
    who = _wait_served(r, v2, 2)
    assert v1 not in who
    for i in range(4):
        enq.enqueue(parse_ticket({"id": f"b{i}", "customer_id": f"d{i}", "message": "How do I switch on the dark mode theme?"}))
    later = [res for res in wait_for_results(r, 8, timeout=90) if res["ticket"]["id"].startswith("b")]
    assert {res["index_version"] for res in later} == {v2}
    assert {res["chunks"][0]["doc_id"] for res in later} == {f"{name}-102"}
    # and `ticketflow index status` shows the version, its locales and who serves it
    shown = _cli(env, "index", "status")
    assert shown.returncode == 0, shown.stderr
    st = json.loads(shown.stdout)
    assert st["version"] == v2 and st["per_locale"]["en"] == 4 and len(st["served"][v2]) == 2 and st["sync"] == "ok"
