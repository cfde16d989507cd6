"""The review page in a real headless Chromium (the distribution's, driven by Playwright), keyboard only.

Locally a missing chromium or playwright skips; in CI (`CI=true`) it fails: install with
`apt-get install -y chromium` and `pip install -e '.[dev]'`.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import uvicorn
from fastapi import FastAPI

from console import review
from devkit.services import free_port
from tests.support.ops import publish, result
from tests.support.require import missing
from worker.settings import load_settings
from worker.state import outcomes

TOKEN = "browser-review-token"
CHROMIUM = os.environ.get("TICKETFLOW_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def sync_api() -> Any:
    try:
        from playwright import sync_api
    except ImportError:
        missing("playwright is not installed (pip install -e '.[dev]')")
    if CHROMIUM is None:
        missing("no chromium on PATH (apt-get install -y chromium)")
    return sync_api


@pytest.fixture
def server(r: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The review router on a real HTTP server, every auto-reply sampled."""
    monkeypatch.setenv("TICKETFLOW_REVIEW_SHARE", "1")
    app = FastAPI()
    app.state.redis = r
    app.state.settings = load_settings(redis_url="redis://unused:1/0", review_token=TOKEN)
    app.include_router(review.router)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(5)


def test_a_reviewer_works_through_the_queue_with_the_keyboard_alone(r: redis.Redis, server: str, sync_api: Any) -> None:
    # given three sampled auto-replies and an escalation (never sampled)
    ids = publish(
        r,
        result("k1", message="How do I export projects to CSV?"),
        result("k2", message="Where do I change my avatar?"),
        result("k3", message="Can I archive a project?"),
        result("k4", action="escalate", reasons=["billing"]),
    )
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            # without the token the browser gets nothing but a 401 (Chromium then refuses to show the page)
            anon = browser.new_context()
            resp = anon.request.get(f"{server}/review")
            assert resp.status == 401 and "export" not in resp.text()
            with pytest.raises(sync_api.Error, match="ERR_INVALID_AUTH_CREDENTIALS"):
                anon.new_page().goto(f"{server}/review")

            ctx = browser.new_context(http_credentials={"username": "alice", "password": TOKEN})
            page = ctx.new_page()
            page.on("request", lambda req: requests.append(req.url))
            errors: list[str] = []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.goto(f"{server}/review")
            # the first ticket: message, reply, what it cites, the reasons
            assert page.locator("#message").inner_text() == "How do I export projects to CSV?"
            assert "Open Settings > Export" in page.locator("#reply").inner_text()
            assert "Export your data" in page.locator("#citations").inner_text()
            assert "none: every check passed" in page.locator("#reasons").inner_text()

            # when: c marks the first correct
            page.keyboard.press("c")
            page.wait_for_selector("#flash")
            assert page.locator("#message").inner_text() == "Where do I change my avatar?"
            # i, a note typed, Enter: the second is incorrect with the note
            page.keyboard.press("i")
            assert page.evaluate("document.activeElement.id") == "note"
            page.keyboard.type("cites the wrong article")
            page.keyboard.press("Enter")
            page.wait_for_selector("text=Saved verdict for api:k2")
            # s skips the third; Tab reaches the buttons too (from the note, the next stop is "correct")
            page.keyboard.press("s")
            page.wait_for_url(f"**/review?after={ids[2]}")
            assert page.locator("#empty").is_visible()
            page.goto(f"{server}/review")
            assert page.locator("#message").inner_text() == "Can I archive a project?"
            page.focus("#note")
            page.keyboard.press("Escape")
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.id") == "btn-correct"
            page.keyboard.press("Enter")
            page.wait_for_selector("#empty")
            assert errors == [], f"console errors (CSP or script): {errors}"
        finally:
            browser.close()
    # then the verdicts are stored, the queue is empty, and no request left the server
    got = outcomes.reviews(r)
    assert {u: (v.verdict, v.note, v.reviewer) for u, v in got.items()} == {
        "api:k1": ("correct", "", "alice"),
        "api:k2": ("incorrect", "cites the wrong article", "alice"),
        "api:k3": ("correct", "", "alice"),
    }
    assert outcomes.pending_reviews(r) == []
    assert requests and all(u.startswith(server) for u in requests), [u for u in requests if not u.startswith(server)]
