"""The import-cycle check of `make lint`: it finds cycles, lazy imports included, and passes the tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.importcycles import cycles, graph, main

ROOT = Path(__file__).resolve().parents[2]


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


def test_a_lazy_import_inside_a_function_closes_a_cycle(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.b import thing\n",
        "pkg/b.py": "def thing():\n    from pkg import a\n    return a\n",
    })
    assert cycles(graph(root, ["pkg"])) == [["pkg.a", "pkg.b"]]


def test_type_checking_imports_and_parent_packages_are_not_cycles(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "pkg/__init__.py": "def build():\n    from pkg.impl import Impl\n    return Impl()\n",
        "pkg/impl.py": "from typing import TYPE_CHECKING\nfrom pkg.base import Base\nif TYPE_CHECKING:\n    from pkg.user import User\nclass Impl(Base): ...\n",
        "pkg/base.py": "class Base: ...\n",
        "pkg/user.py": "from pkg.impl import Impl\n",
    })
    assert cycles(graph(root, ["pkg"])) == []


def test_the_project_has_no_import_cycle(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["worker", "producer", "console", "devkit"]) == 0, capsys.readouterr().out
