"""`ticketflow train`: a team's history (intents or mapped tags) in, a cross-validated report and a model file out."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from console.cli import app
from worker.errors import ConfigError
from worker.models import INTENTS, Ticket
from worker.providers import local_classifier as lc
from worker.providers import training
from worker.providers.local import LocalProvider
from worker.settings import load_settings

# A small invented history of a plant-nursery shop, ten or more of each intent.
TOPICS = ["rose bushes", "tomato seedlings", "olive trees", "orchids", "herb kits", "bonsai", "seed packs", "lavender", "fern pots", "cactus sets", "tulip bulbs", "apple trees"]
HISTORY = (
    [{"text": f"How often should I water the {t}?", "intent": "faq"} for t in TOPICS]
    + [{"text": f"Please delete my account, I no longer buy {t}.", "intent": "account"} for t in TOPICS]
    + [{"text": f"You charged me twice for the {t}, I want a refund.", "intent": "billing"} for t in TOPICS]
    + [{"text": f"The order page crashes when I add {t} to the basket.", "intent": "bug"} for t in TOPICS]
    + [{"text": f"I want to speak to a manager about the dead {t}.", "intent": "escalate", "frustrated": True} for t in TOPICS]
)
TAGS = {"faq": "care_question", "account": "gdpr", "billing": "refund_req", "bug": "site_bug", "escalate": "vip_callback"}


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_tag_map_is_json_or_plain_lines_and_unknown_intents_are_refused(tmp_path: Path) -> None:
    (tmp_path / "map.json").write_text(json.dumps({"Refund_Req": "billing"}))
    (tmp_path / "map.txt").write_text("# our helpdesk tags\nrefund_req = billing\nvip_callback: escalate\n")
    assert training.read_tag_map(tmp_path / "map.json") == {"refund_req": "billing"}
    assert training.read_tag_map(tmp_path / "map.txt") == {"refund_req": "billing", "vip_callback": "escalate"}
    (tmp_path / "bad.txt").write_text("refund_req = money\n")
    with pytest.raises(training.TrainingError, match="unknown intents"):
        training.read_tag_map(tmp_path / "bad.txt")


def test_when_several_tags_map_the_intent_that_needs_a_person_wins() -> None:
    mapping = {"care_question": "faq", "refund_req": "billing", "vip_callback": "escalate"}
    assert training.label({"tags": "care_question; refund_req"}, mapping) == "billing"
    assert training.label({"tags": ["refund_req", "VIP_callback"]}, mapping) == "escalate"
    assert training.label({"tags": "unmapped"}, mapping) is None
    assert training.label({"intent": "faq", "tags": "refund_req"}, mapping) == "faq"  # an explicit intent wins


def test_a_csv_with_helpdesk_tags_reads_through_the_map(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["subject", "description", "tags", "frustrated"])
        w.writeheader()
        w.writerow({"subject": "Dead roses", "description": "All of them died.", "tags": "refund_req,other", "frustrated": "yes"})
        w.writerow({"subject": "", "description": "No tag here", "tags": "", "frustrated": ""})
    history = training.read_history(path, {"refund_req": "billing"})
    assert history.examples == [lc.Example("Dead roses\nAll of them died.", "billing", "low", True)] and history.unlabelled == 1


def test_too_few_examples_of_an_intent_is_one_line_naming_the_minimum() -> None:
    examples = [lc.Example(r["text"], r["intent"]) for r in HISTORY if r["intent"] != "bug"]  # type: ignore[arg-type]
    with pytest.raises(training.TrainingError) as err:
        training.check_counts(examples)
    assert "bug has 0" in str(err.value) and f"at least {training.MIN_PER_INTENT}" in str(err.value) and "\n" not in str(err.value)


def test_cross_validation_reports_every_intent_and_must_escalate_recall() -> None:
    examples = lc.examples_from_rows(HISTORY)
    report = training.cross_validate(examples, folds=3)
    assert set(report.per_intent) == set(INTENTS) and all(m["n"] == len(TOPICS) for m in report.per_intent.values())
    assert report.must_escalate_n == 3 * len(TOPICS) and report.must_not_escalate_n == 2 * len(TOPICS)
    # the phrasings are distinct enough that an honest model separates them out of fold
    assert report.accuracy >= 0.8 and report.must_escalate_recall is not None and report.must_escalate_recall >= 0.9


def test_train_writes_a_model_that_workers_load_through_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a history labelled with the team's tags and a tag map
    rows = [{"text": r["text"], "tags": TAGS[str(r["intent"])], "frustrated": r.get("frustrated", False)} for r in HISTORY]
    hist = _jsonl(tmp_path / "history.jsonl", rows)
    (tmp_path / "tags.json").write_text(json.dumps({v: k for k, v in TAGS.items()}))
    # when the team trains
    res = CliRunner().invoke(app, ["train", "--tickets", str(hist), "--tag-map", str(tmp_path / "tags.json"), "--out", str(tmp_path / "models"),
                                   "--folds", "3", "--json", str(tmp_path / "report.json")])
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert "precision" in report["per_intent"]["billing"] and report["must_escalate_recall"] is not None
    (model,) = list((tmp_path / "models").glob("classifier-*.npz"))
    assert model.name == f"classifier-{lc.content_hash(training.read_history(hist, training.read_tag_map(tmp_path / 'tags.json')).examples)}.npz"
    # then a worker configured with it classifies by the team's own history
    provider = LocalProvider.from_settings(load_settings(classifier_model=model))
    cls, _ = provider.classify(Ticket(id="t", message="You charged me twice for the hedge trimmer, refund please."))
    assert cls.intent == "billing" and provider.models.meta["hash"] in model.name


def test_too_few_examples_exits_2_with_one_line(tmp_path: Path) -> None:
    hist = _jsonl(tmp_path / "history.jsonl", [r for r in HISTORY if r["intent"] != "account"][:40])
    res = CliRunner().invoke(app, ["train", "--tickets", str(hist), "--out", str(tmp_path / "models")])
    assert res.exit_code == 2 and "too few examples" in res.output and "account has 0" in res.output
    assert not (tmp_path / "models").exists()


def test_a_model_setting_that_is_not_a_model_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "x.npz").write_bytes(b"nonsense")
    with pytest.raises(ConfigError, match="TICKETFLOW_CLASSIFIER_MODEL"):
        LocalProvider.from_settings(load_settings(classifier_model=tmp_path / "x.npz"))
