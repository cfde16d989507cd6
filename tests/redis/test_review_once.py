"""Review verdicts are given once: a form is spent when it stores a verdict, expires, and re-grading is explicit and recorded."""

from __future__ import annotations

import redis

from console import review, review_forms
from tests.redis.test_review import TOKEN, _form, client_for, sampled  # noqa: F401  (fixture)
from worker.state import outcomes

AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-www-form-urlencoded"}


def test_a_form_posted_again_later_does_not_overwrite_the_verdict(r: redis.Redis, sampled: list[str]) -> None:  # noqa: F811
    c = client_for(r)
    # given a verdict stored from the page's form
    action, csrf = _form(c.get("/review", headers=AUTH).text)
    assert c.post(action, headers=AUTH, content=f"csrf={csrf}&verdict=correct&note=").status_code == 303
    # when the same form is replayed with another verdict
    again = c.post(action, headers=AUTH, content=f"csrf={csrf}&verdict=incorrect&note=replayed")
    # then it is refused and the first verdict stands
    assert again.status_code == 409
    [(uid, rv)] = outcomes.reviews(r).items()
    assert rv.verdict == "correct"


def test_a_fresh_grading_form_for_a_reviewed_ticket_is_refused_too(r: redis.Redis, sampled: list[str]) -> None:  # noqa: F811
    c = client_for(r)
    action, csrf = _form(c.get("/review", headers=AUTH).text)
    c.post(action, headers=AUTH, content=f"csrf={csrf}&verdict=correct&note=")
    entry = action.rsplit("/", 1)[1]
    forged_fresh = review.csrf_for(TOKEN, entry)  # a grading form, as the queue page would render it
    got = c.post(action, headers=AUTH, content=f"csrf={forged_fresh}&verdict=incorrect&note=changed+my+mind")
    assert got.status_code == 409 and "re-grade" in got.json()["detail"]


def test_an_expired_form_is_refused(r: redis.Redis, sampled: list[str]) -> None:  # noqa: F811
    c = client_for(r)
    entry = sampled[0]
    old = review.csrf_for(TOKEN, entry, now=1_000.0)  # rendered long ago
    got = c.post(f"/review/{entry}", headers=AUTH, content=f"csrf={old}&verdict=correct")
    assert got.status_code == 403 and "expired" in got.json()["detail"]
    assert outcomes.reviews(r) == {}


def test_regrading_is_an_explicit_change_kept_on_record(r: redis.Redis, sampled: list[str]) -> None:  # noqa: F811
    c = client_for(r)
    action, csrf = _form(c.get("/review", headers=AUTH).text)
    c.post(action, headers=AUTH, content=f"csrf={csrf}&verdict=correct&note=")
    entry = action.rsplit("/", 1)[1]
    # when the reviewer opens the re-grade page and saves another verdict
    page = c.get(f"/review/{entry}", headers=AUTH)
    assert page.status_code == 200 and 'id="current"' in page.text
    action2, csrf2 = _form(page.text)
    assert csrf2.split(".")[1] == "regrade"
    assert c.post(action2, headers=AUTH, content=f"csrf={csrf2}&verdict=incorrect&note=wrong+article").status_code == 303
    # then the verdict changed and the change is recorded with the verdict it replaced
    [rv] = outcomes.reviews(r).values()
    assert (rv.verdict, rv.note) == ("incorrect", "wrong article")
    [(previous, new)] = outcomes.review_changes(r)
    assert (previous.verdict, new.verdict) == ("correct", "incorrect")
    # and that re-grade form is spent too
    assert c.post(action2, headers=AUTH, content=f"csrf={csrf2}&verdict=correct&note=").status_code == 409


def test_a_form_token_is_bound_to_its_entry_and_mode() -> None:
    tok = review_forms.issue("k" * 20, "1-0", now=100.0)
    assert review_forms.check("k" * 20, "1-0", tok, now=150.0, ttl_s=60) == ("grade", tok.rsplit(".", 1)[1])
    assert isinstance(review_forms.check("k" * 20, "2-0", tok, now=150.0, ttl_s=60), str)
    assert isinstance(review_forms.check("k" * 20, "1-0", tok.replace(".grade.", ".regrade."), now=150.0, ttl_s=60), str)
    assert "expired" in str(review_forms.check("k" * 20, "1-0", tok, now=161.0, ttl_s=60))
