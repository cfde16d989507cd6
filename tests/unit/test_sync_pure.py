"""Pure parts of the help-centre sync: locales to languages, records to articles, Retry-After, schedules."""

from __future__ import annotations

import httpx
import pytest

from worker.errors import ConfigError, SyncFailed
from worker.retrieval.sync import intercom
from worker.retrieval.sync.base import Record, SourceState, language_for, retry_after, to_articles, wanted_locales
from worker.retrieval.sync.schedule import every, parse_duration


@pytest.mark.parametrize(("locale", "language"), [("en-us", "en"), ("pt-BR", "pt"), ("fr", "fr"), ("zh_TW", "zh"), ("", "en")])
def test_helpdesk_locales_map_to_the_language_codes_retrieval_detects(locale: str, language: str) -> None:
    assert language_for(locale) == language


def test_of_two_locales_of_one_language_the_plain_one_is_served_and_context_leads_the_body() -> None:
    recs = [Record("7", "en-gb", "Colour", "gb"), Record("7", "en", "Color", "plain", context="Account > Sign-in"),
            Record("7", "es", "Color", "es")]
    arts = to_articles("zendesk", recs)
    assert [(a.doc_id, a.language, a.title) for a in arts] == [("zendesk-7", "en", "Color"), ("zendesk-7", "es", "Color")]
    assert arts[0].body.startswith("*Account > Sign-in*") and "plain" in arts[0].body


def test_a_local_folder_keeps_its_own_doc_ids_and_markdown() -> None:
    (art,) = to_articles("local", [Record("reset-password", "en", "", "# Reset\n\nText")])
    assert art.doc_id == "reset-password" and art.body == "# Reset\n\nText"


def test_source_state_round_trips_through_json() -> None:
    st = SourceState({"1/en": Record("1", "en", "t", "b", updated_at=5.0)}, {"start_time": 9})
    assert SourceState.from_json(st.as_json()) == st
    assert SourceState.from_json(None) == SourceState()


def test_only_the_published_locales_of_an_intercom_article_are_served() -> None:
    art = {"id": 3, "state": "published", "title": "Hi", "body": "<p>x</p>", "default_locale": "en", "parent_id": "9",
           "translated_content": {"type": "article_translated_content", "fr": {"state": "draft", "title": "Salut", "body": "y"},
                                  "de": {"state": "published", "title": "Hallo", "body": "<p>z</p>"}}}
    assert [(r.key, r.context) for r in intercom.records_of(art, {"9": "Start"}, frozenset())] == [("3/de", "Start"), ("3/en", "Start")]
    assert [r.key for r in intercom.records_of(art, {}, wanted_locales("EN, fr"))] == ["3/en"]


@pytest.mark.parametrize(("headers", "wait"), [({"Retry-After": "12"}, 12.0), ({"Retry-After": "Thu, 01 Jan 1970 00:01:40 GMT"}, 60.0),
                                               ({"X-RateLimit-Reset": "130"}, 90.0), ({}, None)])
def test_the_servers_wait_hint_is_read_from_retry_after_or_the_rate_limit_reset(headers: dict[str, str], wait: float | None) -> None:
    assert retry_after(httpx.Response(429, headers=headers), now=40.0) == wait


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900.0), ("30s", 30.0), ("1h", 3600.0), ("90", 90.0), ("1.5m", 90.0)])
def test_schedules_read_as_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "soon", "-5m", "15 minutes"])
def test_a_bad_schedule_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_duration(text)


def test_once_runs_one_pass_and_counts_a_failure_without_raising() -> None:
    calls: list[int] = []

    def failing() -> None:
        calls.append(1)
        raise SyncFailed("helpdesk down", source="zendesk")

    assert every(failing, 900.0, once=True) == 1 and calls == [1]
