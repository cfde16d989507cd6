"""The ingestion API sends tasks by name: after accepting tickets it has loaded neither numpy nor the worker's tasks."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = r"""
import json, sys
from fastapi.testclient import TestClient
from producer.api import create_app
from worker.settings import load_settings
client = TestClient(create_app(load_settings()))
codes = [client.post("/v1/tickets", json={"id": f"light-{i}", "message": "How do I export my data?"}).status_code for i in range(3)]
client.get("/readyz")
print(json.dumps({"codes": codes, "loaded": sorted(m for m in ("numpy", "worker.tasks", "worker.retrieval.index", "sklearn") if m in sys.modules)}))
"""


def test_a_serving_api_that_accepted_tickets_loaded_no_numpy_and_no_worker_tasks(use_env: dict[str, str], r: object) -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, env={**__import__("os").environ, **use_env})
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["codes"] == [202, 202, 202]
    assert seen["loaded"] == []
