"""The quality matrix's rows and table (devkit/eval_matrix.py); the figures themselves are tests/quality's."""

from __future__ import annotations

from pathlib import Path

from devkit.eval_matrix import COLUMNS, sets, table


def test_without_public_sets_the_matrix_holds_only_the_projects_own_data() -> None:
    rows = sets(None)
    names = [r.name for r in rows]
    assert "sample" in names and "ticketing" in names and "council" in names
    assert not {"bitext", "doc2dial", "stackfaq"} & set(names)
    assert all(r.out_of_scope for r in rows if "@" in r.name)


def test_public_sets_missing_from_the_folder_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "bitext_tickets.jsonl").write_text("")
    names = [r.name for r in sets(tmp_path)]
    assert "bitext" in names and "doc2dial" not in names


def test_the_table_has_a_column_per_metric_and_a_dash_for_a_missing_figure() -> None:
    text = table([{"set": "x", "note": "ours", "n": 3, "intent_accuracy": 0.5}])
    header, rule, row = text.splitlines()
    assert header.count("|") == rule.count("|") == row.count("|") == len(COLUMNS) + 3
    assert "| x | ours | 3 | 0.500 | – |" in row
