"""A ticket takes only the hops it needs: hard escalations go classify -> escalate."""

from __future__ import annotations

from worker.models import Classification, Failure, Ticket, TicketResult
from worker.stages.pipeline import STAGES, TASK_NAMES, next_stage


def _state(intent: str = "faq", urgency: str = "low", frustrated: bool = False) -> TicketResult:
    s = TicketResult(ticket=Ticket(id="1", message="How do I export my data?"))
    s.classification = Classification(intent=intent, urgency=urgency, frustrated=frustrated, confidence=0.9)  # type: ignore[arg-type]
    return s


def test_an_answerable_question_takes_every_stage() -> None:
    s = _state()
    assert [next_stage(st, s) for st in STAGES] == ["retrieve", "generate", "escalate", None]


def test_hard_escalations_skip_retrieval_and_generation() -> None:
    for s in (_state("billing"), _state("account"), _state("escalate"), _state(urgency="high"), _state(frustrated=True)):
        assert next_stage("classify", s) == "escalate"


def test_a_failed_stage_goes_straight_to_escalate() -> None:
    s = _state()
    s.failure = Failure(stage="retrieve", error="boom", reason="automation_failed")
    assert next_stage("classify", s) == "escalate" and next_stage("retrieve", s) == "escalate"


def test_task_names_are_explicit_so_a_moved_module_renames_nothing_in_flight() -> None:
    assert {s: f"ticketflow.{s}" for s in STAGES} == TASK_NAMES
