"""The pipeline's tasks return nothing (read from the source: no app is built, no broker contacted).

With no result backend a return value only feeds Celery's success log line, yet Celery renders it
(saferepr) for every task at any log level: a dict cost ~30 us a hop for a line nobody reads.

The module is read, not imported: importing `worker.tasks` builds the Celery app from the environment of
that moment, and the end-to-end tests point REDIS_URL at their own server only later in the session.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TASKS = Path(__file__).resolve().parents[2] / "worker" / "tasks.py"
STAGE_TASKS = ["classify_task", "retrieve_task", "generate_task", "escalate_task", "deliver_task", "_run"]


def _functions() -> dict[str, ast.FunctionDef]:
    tree = ast.parse(TASKS.read_text(encoding="utf-8"))
    return {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


@pytest.mark.parametrize("name", STAGE_TASKS)
def test_a_stage_task_returns_nothing_for_celery_to_render(name: str) -> None:
    fn = _functions()[name]
    assert isinstance(fn.returns, ast.Constant) and fn.returns.value is None, f"{name} is annotated to return something"
    returned = [n for n in ast.walk(fn) if isinstance(n, ast.Return) and n.value is not None and not isinstance(n.value, ast.Constant)]
    assert not returned, f"{name} returns a value at line {returned[0].lineno}"
