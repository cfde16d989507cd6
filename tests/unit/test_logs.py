"""Logs without secrets: redaction, JSON lines, the ticket id on every line about a ticket."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from worker import logs
from worker.settings import load_settings

ANTHROPIC_KEY = "sk-ant-api03-Zq8uR4nDoMkEyThAtMuStNeVeRlEaK0123456789"


@pytest.mark.parametrize(
    ("text", "hidden", "kept"),
    [
        ("write to jane.doe+billing@example.co.uk today", "jane.doe+billing@example.co.uk", "write to [email] today"),
        ("card 4111 1111 1111 1111 was charged", "4111 1111 1111 1111", "card [card] was charged"),
        ("card 4111-1111-1111-1111 was charged", "4111-1111-1111-1111", "[card]"),
        ("amex 378282246310005.", "378282246310005", "amex [card]."),
        ("header x-api-key: abcdef123456", "abcdef123456", "[secret]"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "eyJhbGciOiJIUzI1NiJ9", "Authorization: [secret]"),
        ("client key sk-proj-abcdefghijklmnopqrstuvwx used", "sk-proj-abcdefghijklmnopqrstuvwx", "client key [secret] used"),
        (f"key {ANTHROPIC_KEY}", ANTHROPIC_KEY, "key [secret]"),
        ("redis://:hunter22@redis:6379/0", "hunter22", "redis://:[secret]@redis:6379/0"),
    ],
)
def test_secrets_emails_and_cards_are_masked(text: str, hidden: str, kept: str) -> None:
    out = logs.redact(text)
    assert hidden not in out
    assert kept in out


@pytest.mark.parametrize(
    "text",
    [
        "stream entry 1764201234567-0 published",  # 13 digits, Luhn-invalid: a timestamp
        "order 1234567890123 shipped",  # not a card either
        "reset token expired after 3 attempts",
        "user@localhost is not an address with a domain",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert logs.redact(text) == text


def test_configured_secret_values_are_masked_whatever_their_shape() -> None:
    settings = load_settings(api_token=SecretStr("plain-looking-value-42"), zendesk_api_token=SecretStr("zd-0987654321"))
    secrets = logs.secret_values(settings)
    assert "plain-looking-value-42" in secrets and "zd-0987654321" in secrets
    assert logs.redact("called with plain-looking-value-42 and zd-0987654321", secrets) == "called with [secret] and [secret]"


def test_luhn_checksum() -> None:
    assert logs.luhn_ok("4111111111111111")
    assert logs.luhn_ok("5500005555555559")
    assert not logs.luhn_ok("4111111111111112")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    buf = io.StringIO()
    settings = load_settings(log_level="DEBUG", log_json=True, anthropic_api_key=SecretStr(ANTHROPIC_KEY))
    handler = logs.configure_logging(settings, stream=buf)
    yield buf
    logging.getLogger().removeHandler(handler)


def _lines(buf: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def test_every_line_is_json_with_the_ticket_id_passed_in_extra(captured: io.StringIO) -> None:
    log = logging.getLogger("ticketflow.test")
    log.warning("stage %s transient error for %s", "classify", "ann@example.com", extra={"ticket_id": "api:t1", "stage": "classify"})
    [line] = _lines(captured)
    assert line["ticket_id"] == "api:t1"
    assert line["stage"] == "classify"
    assert line["level"] == "WARNING"
    assert line["msg"] == "stage classify transient error for [email]"


def test_lines_logged_inside_a_task_get_its_ticket_id(captured: io.StringIO) -> None:
    # An SDK logging in the middle of a stage does not know the ticket; the running task does.
    token = logs.current_ticket.set(logs.ticket_uid_of(({"ticket": {"id": "42", "source": "zendesk"}},)))
    try:
        logging.getLogger("httpx").debug("HTTP Request: POST https://api.anthropic.com/v1/messages x-api-key=%s", ANTHROPIC_KEY)
    finally:
        logs.current_ticket.reset(token)
    logging.getLogger("ticketflow.lifecycle").info("worker ready")
    first, second = _lines(captured)
    assert first["ticket_id"] == "zendesk:42"
    assert ANTHROPIC_KEY not in json.dumps(first)
    assert second["ticket_id"] is None


def test_exceptions_and_extra_fields_are_redacted_too(captured: io.StringIO) -> None:
    log = logging.getLogger("ticketflow.test")
    try:
        raise ValueError(f"provider echoed the input: card 4242 4242 4242 4242, key {ANTHROPIC_KEY}")
    except ValueError:
        log.exception("stage failed", extra={"ticket_id": "api:t9", "error": "reply to bob@example.org"})
    [line] = _lines(captured)
    text = json.dumps(line)
    assert "4242 4242 4242 4242" not in text and ANTHROPIC_KEY not in text and "bob@example.org" not in text
    assert "[card]" in str(line["exc"]) and "[secret]" in str(line["exc"])
    assert line["error"] == "reply to [email]"


def test_the_ticket_uid_is_read_from_any_task_payload() -> None:
    assert logs.ticket_uid_of(({"ticket": {"id": "7", "source": "intercom"}, "run_id": None},)) == "intercom:7"
    assert logs.ticket_uid_of(({"ticket": {"id": "7"}},)) == "api:7"
    assert logs.ticket_uid_of(()) is None
    assert logs.ticket_uid_of(("not a payload",)) is None
