"""The model prompts speak for the configured company and its help centre, never for the demo company.

Through the real Anthropic and OpenAI SDKs against the fake model server, with another company's help
centre given as JSONL (any source `load_articles` reads).
"""

from __future__ import annotations

import json
from pathlib import Path

import anthropic
import openai
import pytest

from devkit.fakes.models import FakeModelServer, count_tokens
from worker.models import Chunk, Classification, Ticket
from worker.providers import prompt_text, prompts
from worker.providers.anthropic import AnthropicProvider
from worker.providers.costs import price_table
from worker.providers.openai import OpenAIProvider
from worker.providers.ratelimit import RateLimiter
from worker.settings import load_settings

COMPANY = prompts.Company("Puddleduck Ferries", "a passenger ferry line on the lakes, with tickets, season passes and a mobile app")
ARTICLES = [
    ("season-passes", "Season passes", "A season pass covers unlimited crossings on one route.", ["Buying a pass", "Prices", "Refunds"]),
    ("boarding", "Boarding the ferry", "Show your ticket's QR code at the gate.", ["Boarding times", "Bikes and pets", "Accessibility"]),
    ("timetables", "Timetables", "Ferries run every 30 minutes in summer.", ["Summer", "Winter", "Holidays"]),
    ("mobile-app", "The Puddleduck app", "Buy tickets and passes in the app.", ["Signing in", "Wallet", "Notifications"]),
    ("lost-property", "Lost property", "Items found on board are kept for 30 days.", ["Reporting", "Collecting", "Postage"]),
]
# What only the demo company's prompts said: its name, its products, its worked examples.
DEMO_MARKS = ("AcmeSoft", "Acme", "AcmeClock", "work-management", "time-clock terminals", "NFC badges", "csv export", "board view")
CHUNKS = [Chunk(doc_id="boarding", title="Boarding the ferry", section="Bikes and pets", text="Bikes travel free. Dogs on a lead are welcome.")]


@pytest.fixture
def help_centre(tmp_path: Path) -> Path:
    path = tmp_path / "ferries.jsonl"
    rows = []
    for doc_id, title, intro, sections in ARTICLES:
        body = intro + "\n\n" + "\n\n".join(f"## {s}\n\nWhat to know about {s.lower()} on Puddleduck ferries." for s in sections)
        rows.append(json.dumps({"doc_id": doc_id, "title": title, "text": body}))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _requests_text(fake: FakeModelServer) -> str:
    return "\n".join(json.dumps(c.body, ensure_ascii=False) for c in fake.calls)


def test_no_request_names_the_demo_company_or_carries_its_examples(fake: FakeModelServer, help_centre: Path) -> None:
    # given providers for another company, its help centre a JSONL file
    a = AnthropicProvider(anthropic.Anthropic(api_key="k", base_url=fake.base_url, max_retries=0), "claude-haiku-4-5", "claude-sonnet-4-5",
                          price_table(), RateLimiter(None, "anthropic"), 400, help_centre, company=COMPANY)
    o = OpenAIProvider(openai.OpenAI(api_key="k", base_url=fake.openai_base_url, max_retries=0), "gpt-4o-mini", "gpt-4o",
                       price_table(), RateLimiter(None, "openai"), 400, help_centre, company=COMPANY)
    ticket = Ticket(id="t1", message="Can I bring my bike on the ferry?")
    # when each classifies and writes a reply
    for p in (a, o):
        p.classify(ticket)
        p.generate(ticket, Classification(intent="faq", topic="bikes"), CHUNKS)
    # then every request speaks for the ferry line and its help centre, and nothing of the demo company is in any
    sent = _requests_text(fake)
    assert len(fake.calls) == 4
    assert not [m for m in DEMO_MARKS if m.lower() in sent.lower()]
    assert "Puddleduck Ferries" in sent and "Boarding the ferry (boarding)" in sent and "Lost property (lost-property)" in sent


def test_settings_name_the_company_and_the_help_centre_the_map_is_read_from(fake: FakeModelServer, help_centre: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    settings = load_settings(provider="anthropic", anthropic_base_url=fake.base_url, retrieval_source=help_centre, anthropic_classify_model="claude-haiku-4-5",
                             company_name=COMPANY.name, company_description=COMPANY.description)
    p = AnthropicProvider.from_settings(settings)
    system = p.request("classify", "x", Ticket(id="t", message="x"))["system"][0]["text"]
    assert system.startswith("You are the triage step of the customer-support desk of Puddleduck Ferries: a passenger ferry line")
    assert "Season passes (season-passes)" in system and "Acme" not in system


def test_a_small_help_centre_still_clears_the_haiku_cache_minimum(fake: FakeModelServer, help_centre: Path) -> None:
    # Haiku 4.5 caches only prefixes of 4,096 tokens and more; five articles are far from that on their own
    a = AnthropicProvider(anthropic.Anthropic(api_key="k", base_url=fake.base_url, max_retries=0), "claude-haiku-4-5", "claude-sonnet-4-5",
                          price_table(), RateLimiter(None, "anthropic"), 400, help_centre, company=COMPANY)
    assert a.prefixes["classify"].cacheable and count_tokens(a.prefixes["classify"].text) >= 4096
    a.classify(Ticket(id="t1", message="When is the last ferry?"))
    a.classify(Ticket(id="t2", message="Do dogs travel free?"))
    assert [c.cache for c in fake.calls] == ["write", "read"]


def test_the_neutral_worked_examples_name_no_real_or_demo_company() -> None:
    every = "".join(getattr(prompt_text, n) for n in dir(prompt_text) if n.isupper())
    assert "Acme" not in every
    assert "{company}" in prompt_text.CLASSIFY_RULES and "{company}" in prompt_text.GENERATE_RULES


def test_the_help_centre_map_reads_folders_and_jsonl_alike(tmp_path: Path, help_centre: Path) -> None:
    folder = tmp_path / "md"
    folder.mkdir()
    (folder / "boarding.md").write_text("# Boarding the ferry\n\nShow your ticket's QR code at the gate.\n\n## Boarding times\n\nText.\n")
    (folder / "es").mkdir()
    (folder / "es" / "boarding.md").write_text("# Embarque\n\nMuestre el código QR.\n")
    md_map, jsonl_map = prompts.help_centre_map(folder), prompts.help_centre_map(help_centre)
    assert "- Boarding the ferry (boarding): Show your ticket's QR code at the gate. Sections: Boarding times." in md_map
    assert "Embarque" not in md_map  # translations are not listed twice
    assert jsonl_map.count("\n- ") == len(ARTICLES) and prompts.help_centre_map(tmp_path / "missing") == ""
