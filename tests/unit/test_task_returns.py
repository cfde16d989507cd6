"""The pipeline's tasks return nothing (pure: the app is built, no broker is contacted).

With no result backend a return value only feeds Celery's success log line, yet Celery renders it
(saferepr) for every task at any log level: a dict cost ~30 us a hop for a line nobody reads.
"""

from __future__ import annotations

import inspect

import pytest

from worker import tasks


@pytest.mark.parametrize("task", [tasks.classify_task, tasks.retrieve_task, tasks.generate_task, tasks.escalate_task, tasks.deliver_task])
def test_a_stage_task_returns_nothing_for_celery_to_render(task: object) -> None:
    assert inspect.signature(task.run).return_annotation in (None, "None")  # type: ignore[attr-defined]
    assert inspect.signature(tasks._run).return_annotation in (None, "None")
