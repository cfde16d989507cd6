"""`ticketflow results` rows fit the terminal and show the decision, reasons and the reply's first line."""

from __future__ import annotations

from console.results_view import first_line, header, row


def _res(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "ticket": {"source": "zendesk", "id": "48213"},
        "classification": {"intent": "faq"},
        "decision": {"action": "auto_reply", "reasons": []},
        "reply": "\nHi Ana,\nTo export, open Settings > Export.",
    }
    return {**base, **over}


def test_a_row_shows_ticket_intent_decision_and_the_replys_first_line() -> None:
    line = row(_res())
    assert line.startswith("zendesk:48213") and "faq" in line and "auto_reply" in line and line.endswith("Hi Ana,")


def test_rows_and_header_fit_80_columns_whatever_the_reply() -> None:
    long = _res(decision={"action": "escalate", "reasons": ["billing", "frustration", "high_urgency"]}, reply="x" * 500)
    assert max(len(row(long)), len(header())) <= 80
    assert row(long).endswith("…")


def test_an_escalation_without_a_reply_shows_its_draft_or_a_dash() -> None:
    assert first_line({"draft": {"text": "Draft for the agent"}}) == "Draft for the agent"
    assert first_line({}) == "–"
