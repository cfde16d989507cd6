"""The review page over HTTP: nothing without the token, forms only from our own page, verdicts stored."""

from __future__ import annotations

import base64
import re

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from console import review
from tests.support.ops import publish, result
from worker.settings import load_settings
from worker.state import outcomes

TOKEN = "s3cret-review-token"


def client_for(r: redis.Redis, token: str | None = TOKEN) -> TestClient:
    app = FastAPI()
    app.state.redis = r
    app.state.settings = load_settings(redis_url="redis://unused:1/0", review_token=token)
    app.include_router(review.router)
    return TestClient(app, follow_redirects=False)


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def sampled(r: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two auto-replies and an escalation on the stream, every auto-reply in the review sample."""
    monkeypatch.setenv("TICKETFLOW_REVIEW_SHARE", "1")
    ids = publish(
        r,
        result("r1", message="How do I export <b>all</b> projects to CSV?"),
        result("r2", message="Where do I change my avatar?"),
        result("r3", action="escalate", reasons=["billing"]),
    )
    return [str(i) for i in ids]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, basic("alice", "wrong"), {"Authorization": "Basic !!notbase64"}, {"Authorization": f"Token {TOKEN}"}],
)
def test_every_route_refuses_a_request_without_the_token(r: redis.Redis, sampled: list[str], headers: dict[str, str]) -> None:
    c = client_for(r)
    got = c.get("/review", headers=headers)
    assert got.status_code == 401 and got.headers["www-authenticate"].startswith("Basic")
    assert TOKEN not in got.text and "export" not in got.text
    posted = c.post(f"/review/{sampled[0]}", headers=headers, content="verdict=correct")
    assert posted.status_code == 401
    assert outcomes.reviews(r) == {}


def test_without_a_configured_token_the_page_is_off_not_open(r: redis.Redis, sampled: list[str]) -> None:
    got = client_for(r, token=None).get("/review", headers=basic("alice", ""))
    assert got.status_code == 503


def test_the_page_shows_message_reply_citations_and_reasons_escaped(r: redis.Redis, sampled: list[str]) -> None:
    got = client_for(r).get("/review", headers={"Authorization": f"Bearer {TOKEN}"})
    assert got.status_code == 200
    assert "How do I export &lt;b&gt;all&lt;/b&gt; projects to CSV?" in got.text  # escaped, never injected
    assert "Open Settings &gt; Export and pick CSV." in got.text
    assert "Export your data" in got.text and "none: every check passed" in got.text
    assert "2 waiting" in got.text
    csp = got.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", got.text), "no external asset"


def _form(text: str) -> tuple[str, str]:
    action = re.search(r'<form id="verdict-form" method="post" action="([^"]+)"', text)
    csrf = re.search(r'name="csrf" value="([^"]+)"', text)
    assert action and csrf
    return action.group(1), csrf.group(1)


def test_a_verdict_is_stored_with_the_reviewer_and_the_next_ticket_follows(r: redis.Redis, sampled: list[str]) -> None:
    c = client_for(r)
    auth = basic("alice", TOKEN)
    action, csrf = _form(c.get("/review", headers=auth).text)
    assert action == f"/review/{sampled[0]}"
    done = c.post(action, headers={**auth, "Content-Type": "application/x-www-form-urlencoded"}, content=f"csrf={csrf}&verdict=correct&note=")
    assert done.status_code == 303 and done.headers["location"] == "/review?saved=api%3Ar1"
    stored = outcomes.reviews(r)["api:r1"]
    assert (stored.verdict, stored.reviewer, stored.entry_id) == ("correct", "alice", sampled[0])
    after = c.get(done.headers["location"], headers=auth).text
    assert "Saved verdict for api:r1" in after and "Where do I change my avatar?" in after and "1 reviewed" in after


def test_incorrect_needs_a_note_and_bad_forms_change_nothing(r: redis.Redis, sampled: list[str]) -> None:
    c = client_for(r)
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-www-form-urlencoded"}
    action, csrf = _form(c.get("/review", headers=auth).text)
    assert c.post(action, headers=auth, content=f"verdict=correct&csrf={'0' * 64}").status_code == 403
    assert c.post(action, headers=auth, content="verdict=correct").status_code == 403
    no_note = c.post(action, headers=auth, content=f"csrf={csrf}&verdict=incorrect&note=+")
    assert no_note.status_code == 422 and "Say what is wrong" in no_note.text
    assert c.post(action, headers=auth, content=f"csrf={csrf}&verdict=maybe").status_code == 422
    too_long = c.post(action, headers=auth, content=f"csrf={csrf}&verdict=incorrect&note={'x' * 3000}")
    assert too_long.status_code == 422
    assert outcomes.reviews(r) == {}
    ok = c.post(action, headers=auth, content=f"csrf={csrf}&verdict=incorrect&note=wrong+article")
    assert ok.status_code == 303 and outcomes.reviews(r)["api:r1"].note == "wrong article"


def test_tickets_outside_the_sample_cannot_be_reviewed(r: redis.Redis, sampled: list[str]) -> None:
    c = client_for(r)
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-www-form-urlencoded"}
    c.get("/review", headers=auth)
    escalated = sampled[2]
    got = c.post(f"/review/{escalated}", headers=auth, content=f"csrf={review.csrf_for(TOKEN, escalated)}&verdict=correct")
    assert got.status_code == 404
    missing = "1-0"
    assert c.post(f"/review/{missing}", headers=auth, content=f"csrf={review.csrf_for(TOKEN, missing)}&verdict=correct").status_code == 404
    assert outcomes.reviews(r) == {}


def test_skip_moves_past_a_ticket_and_an_empty_queue_says_so(r: redis.Redis, sampled: list[str]) -> None:
    c = client_for(r)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert "Where do I change my avatar?" in c.get(f"/review?after={sampled[0]}", headers=auth).text
    r.delete(outcomes.REVIEW_QUEUE)
    r.set("ticketflow:metrics:cursor:ticketflow:results", sampled[-1])
    assert 'id="empty"' in c.get("/review", headers=auth).text


def test_the_api_serves_the_review_page_behind_the_token_and_metrics_openly(r: redis.Redis, sampled: list[str]) -> None:
    from producer.api import create_app

    c = TestClient(create_app(load_settings(redis_url="redis://unused:1/0", review_token=TOKEN), r=r), follow_redirects=False)
    assert c.get("/review").status_code == 401
    assert c.get("/review", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert "ticketflow_tickets_total" in c.get("/metrics").text
