"""A bug report is answered only when its fix is found with more certainty than a question needs."""

from __future__ import annotations

import pytest

from worker.models import Chunk, Classification, Ticket
from worker.stages.escalate import BUG_NO_FIX, Context, Policy, bug_without_fix

FIX = Chunk(
    doc_id="known-issue-csv-export-excel",
    title="Known issue: CSV export shows garbled characters in Excel",
    section="Workaround",
    text="1. Open Excel and choose Data > From Text/CSV.\n2. Pick UTF-8 as the file origin.\n3. Click Load.",
)
TICKET = Ticket(id="1", message="CSV export shows garbled characters in Excel, umlauts broken")
BUG = Classification(intent="bug")


@pytest.mark.parametrize(("score", "expected"), [(0.45, BUG_NO_FIX), (0.59, BUG_NO_FIX), (0.6, None), (0.9, None)])
def test_a_bug_needs_the_bug_bar_not_just_the_question_bar(score: float, expected: str | None) -> None:
    policy = Policy(min_score=0.4, bug_min_score=0.6, bug_min_coverage=0.0)
    chunk = FIX.model_copy(update={"score": score})
    assert bug_without_fix(TICKET, BUG, [chunk], None, policy, Context()) == expected


def test_questions_are_not_held_to_the_bug_bar() -> None:
    policy = Policy(min_score=0.4, bug_min_score=0.6, bug_min_coverage=0.0)
    chunk = FIX.model_copy(update={"score": 0.45})
    assert bug_without_fix(TICKET, Classification(intent="faq"), [chunk], None, policy, Context()) is None
