"""The same door for every way in: webhooks, `enqueue` and `import` refuse what the API refuses (one parser)."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from console.cli import app as cli_app
from tests.redis.test_webhooks import client, settings  # noqa: F401  (fixtures: the API with both webhooks configured)
from tests.support.payloads import dumps, intercom_conversation, intercom_headers, intercom_notification, zendesk_event, zendesk_headers

SURROGATE_LINE = '{"id": "s1", "message": "hi", "metadata": {"note": "\\ud800"}}\n'


def test_a_zendesk_webhook_with_nul_in_the_description_is_refused_naming_the_field(client: TestClient, r: redis.Redis) -> None:  # noqa: F811
    body = dumps(zendesk_event("created", 301, description="reset my\x00 password"))
    got = client.post("/webhooks/zendesk", content=body, headers=zendesk_headers(body))
    assert got.status_code == 422 and got.json()["field"] == "message"
    assert not list(r.scan_iter("ticketflow:seen:*"))  # nothing accepted


def test_an_intercom_webhook_with_a_bidi_override_has_it_stripped_not_passed_on(client: TestClient, r: redis.Redis) -> None:  # noqa: F811
    body = dumps(intercom_notification("conversation.user.created", intercom_conversation("ic-9", "<p>refund\u202e please</p>")))
    got = client.post("/webhooks/intercom", content=body, headers=intercom_headers(body))
    assert got.status_code == 200 and got.json()["enqueued"] == ["intercom:ic-9"]
    stored = r.get("ticketflow:ticket:intercom:ic-9") or b""
    assert b"\\u202e" not in stored and b"\xe2\x80\xae" not in stored and b"refund" in stored


@pytest.mark.parametrize("command", ["enqueue", "import"])
def test_enqueue_and_import_refuse_the_surrogate_ticket_naming_line_and_field(command: str, use_env: dict[str, str], r: redis.Redis, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "ok", "message": "How do I export?"}\n' + SURROGATE_LINE, encoding="utf-8")
    got = CliRunner().invoke(cli_app, [command, str(path)])
    out = got.output + (got.stderr if got.stderr_bytes is not None else "")
    if command == "enqueue":
        # all or nothing: exit 2 naming the line, nothing enqueued
        assert got.exit_code == 2 and ":2:" in out and "metadata.note" in out and "surrogate" in out
        assert not list(r.scan_iter("ticketflow:seen:*"))
    else:
        # bulk import reports the bad line and takes the good ones
        assert "metadata.note" in out and "surrogate" in out
        assert [k for k in r.scan_iter("ticketflow:seen:*")] == [b"ticketflow:seen:api:ok"]
