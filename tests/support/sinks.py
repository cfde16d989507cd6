"""Results to write back, and settings pointing the sinks at the fake helpdesks."""

from __future__ import annotations

from typing import Any

from worker.models import Citation, Classification, Decision, Draft, Ticket, TicketResult
from worker.settings import Settings, load_settings

ZD_EMAIL = "bot@acme.test"
ZD_TOKEN = "zd-token"
IC_TOKEN = "ic-token"
IC_ADMIN = "991"
BOT_USER = 1


def result(action: str, *, source: str = "zendesk", thread: str = "101", uid: str = "101-c1", reasons: list[str] | None = None) -> TicketResult:
    """A finished result for helpdesk thread `thread`."""
    ticket = Ticket(id=uid, source=source, customer_id="cust-1", subject="Password", message="How do I reset my password?", conversation_id=thread)
    draft = Draft(text="Open Settings > Security and choose Reset password.\n\nThen check your inbox & spam folder.", citations=[Citation(doc_id="account-security", title="Account security", section="Reset")])
    return TicketResult(
        ticket=ticket,
        classification=Classification(intent="faq" if action != "escalate" else "billing", confidence=0.9),
        draft=draft if action != "escalate" else None,
        decision=Decision(action=action, reasons=reasons if reasons is not None else (["billing"] if action == "escalate" else [])),  # type: ignore[arg-type]
        reply=draft.text if action != "escalate" else "Let me get a specialist for this right away.",
    )


def zendesk_settings(url: str, **extra: Any) -> Settings:
    """Settings with the Zendesk sink pointed at a fake."""
    base: dict[str, Any] = {"zendesk_base_url": url, "zendesk_email": ZD_EMAIL, "zendesk_api_token": ZD_TOKEN, "zendesk_bot_user_id": str(BOT_USER)}
    return load_settings(**{**base, **extra})


def intercom_settings(url: str, **extra: Any) -> Settings:
    """Settings with the Intercom sink pointed at a fake."""
    base: dict[str, Any] = {"intercom_base_url": url, "intercom_access_token": IC_TOKEN, "intercom_admin_id": IC_ADMIN}
    return load_settings(**{**base, **extra})
