"""Small help centres on the local Zendesk Guide and Intercom Articles stand-ins, and settings that point at them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devkit.fakes.helpcenter import FakeArticles, FakeGuide
from worker.settings import Settings, load_settings

ZD_EMAIL, ZD_TOKEN, IC_TOKEN = "bot@example.com", "guide-token", "ic-token"

TOPICS = {
    # id: (title, HTML body)
    101: ("Reset your password", "<h2>Forgotten password</h2><p>Open the sign-in page, click <b>Forgot password</b> and follow the "
          "link we email you. The reset link expires after one hour.</p>"),
    102: ("Export your invoices", "<h2>Download invoices</h2><p>Go to Billing, open Invoices and press Export to download every "
          "invoice as a PDF or CSV file.</p>"),
    103: ("Turn on two-factor authentication", "<h2>Authenticator app</h2><p>In Security settings choose Two-factor, scan the QR "
          "code with an authenticator app and type the six digit code.</p>"),
    104: ("Invite teammates", "<h2>Invitations</h2><p>Admins open Members, press Invite and enter the email addresses of the "
          "teammates who should join the workspace.</p>"),
}
SPANISH = {101: ("Restablecer la contraseña", "<p>Abre la página de inicio de sesión, pulsa <b>Olvidé mi contraseña</b> y sigue el "
                 "enlace que te enviamos por correo.</p>")}


def guide(**kw: Any) -> FakeGuide:
    """A started Zendesk Guide stand-in holding TOPICS in en-us (one also in es) and a draft that must never be served."""
    g = FakeGuide(email=ZD_EMAIL, token=ZD_TOKEN, **kw).start()
    g.add_section(7, "Sign-in", category_id=3, category="Account")
    for aid, (title, body) in TOPICS.items():
        g.put(aid, title, body, section_id=7)
    for aid, (title, body) in SPANISH.items():
        g.put(aid, title, body, locale="es", section_id=7)
    g.put(199, "Unreleased feature", "<p>Secret roadmap plans, not published yet.</p>", draft=True)
    return g


def articles_api(**kw: Any) -> FakeArticles:
    """A started Intercom Articles stand-in holding TOPICS (ids as strings), a French translation and a draft."""
    a = FakeArticles(token=IC_TOKEN, **kw).start()
    a.add_collection("55", "Getting started")
    for aid, (title, body) in TOPICS.items():
        a.put(str(aid), title, body, collection_id="55")
    a.put("101", "Réinitialiser le mot de passe", "<p>Ouvrez la page de connexion et cliquez sur Mot de passe oublié.</p>", locale="fr")
    a.put("199", "Unreleased feature", "<p>Secret roadmap plans, not published yet.</p>", state="draft")
    return a


def sync_settings(redis_url: str, index_dir: Path, *, zendesk_url: str = "", intercom_url: str = "", **over: Any) -> Settings:
    """Settings of a sync (or a worker) on the test Redis with the Redis index store."""
    values: dict[str, Any] = {"redis_url": redis_url, "index_store": "redis", "index_dir": index_dir, "poll_page_size": 2,
                              "helpcenter_max_wait_s": 5.0}
    if zendesk_url:
        values.update(zendesk_base_url=zendesk_url, zendesk_email=ZD_EMAIL, zendesk_api_token=ZD_TOKEN)
    if intercom_url:
        values.update(intercom_base_url=intercom_url, intercom_access_token=IC_TOKEN)
    return load_settings(**{**values, **over})


def env_of(settings_env: dict[str, str], *, zendesk_url: str = "", intercom_url: str = "") -> dict[str, str]:
    """The same, as environment variables for worker processes and the CLI."""
    env = {**settings_env, "TICKETFLOW_INDEX_STORE": "redis", "TICKETFLOW_POLL_PAGE_SIZE": "2"}
    if zendesk_url:
        env.update(TICKETFLOW_ZENDESK_BASE_URL=zendesk_url, TICKETFLOW_ZENDESK_EMAIL=ZD_EMAIL, TICKETFLOW_ZENDESK_API_TOKEN=ZD_TOKEN)
    if intercom_url:
        env.update(TICKETFLOW_INTERCOM_BASE_URL=intercom_url, TICKETFLOW_INTERCOM_ACCESS_TOKEN=IC_TOKEN)
    return env
