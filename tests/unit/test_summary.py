"""The demo summary is computed from results alone."""

from __future__ import annotations

from console.summary import duration, percentile, summarize


def _res(intent: str, action: str, reasons: list[str], cost: float = 0.0) -> dict[str, object]:
    return {
        "classification": {"intent": intent},
        "decision": {"action": action, "reasons": reasons},
        "timings": {"classify": 0.01},
        "usage": [{"cost_usd": cost}],
        "enqueued_at": 100.0,
        "completed_at": 101.0,
    }


def test_percentile_interpolates() -> None:
    assert percentile([], 0.5) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([5.0], 0.95) == 5.0


def test_summary_counts_rates_reasons_and_losses() -> None:
    results = [_res("faq", "auto_reply", [], 0.002), _res("billing", "escalate", ["billing", "frustration"]), _res("faq", "escalate", ["no_relevant_docs"])]
    s = summarize(results, enqueued=4, wall_s=2.0)
    assert (s["completed"], s["lost"], s["auto_replied"], s["escalated"]) == (3, 1, 1, 2)
    assert s["resolution_rate"] == round(1 / 3, 4)
    assert s["escalation_reasons"] == {"billing": 1, "frustration": 1, "no_relevant_docs": 1}
    assert s["by_intent"]["faq"] == {"auto_reply": 1, "count": 2, "escalate": 1}
    assert s["tickets_per_s"] == 1.5
    assert s["cost_per_resolved_usd"] == 0.002


def test_nothing_resolved_has_no_cost_per_resolved_ticket() -> None:
    s = summarize([_res("billing", "escalate", ["billing"], 0.003)], enqueued=1, wall_s=1.0)
    assert s["cost_per_resolved_usd"] is None
    assert s["cost_per_ticket_usd"] == 0.003


def test_no_results_have_no_rates() -> None:
    s = summarize([], enqueued=2, wall_s=1.0)
    assert (s["resolution_rate"], s["escalation_rate"], s["cost_per_ticket_usd"], s["tickets_per_s"]) == (None, None, None, None)


def test_durations_carry_their_unit() -> None:
    assert (duration(0.0007), duration(3.056), duration(None)) == ("0.7 ms", "3.06 s", "–")
