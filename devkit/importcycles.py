"""Fail on an import cycle among the project's modules, imports inside functions included.

`python -m devkit.importcycles worker producer console devkit` (run by `make lint`) reads every
module's imports with `ast` (nothing is imported or run), resolves them to the project's own
modules, and prints each strongly connected group of two or more modules (or a module importing
itself) with the imports that tie it. Imports under `if TYPE_CHECKING:` are skipped: they never run.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path


def module_name(path: Path, root: Path) -> str:
    """`worker/stages/classify.py` -> `worker.stages.classify`; a package's `__init__.py` is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def imported_names(tree: ast.AST, here: str, is_package: bool) -> Iterable[tuple[str, str, int]]:
    """(dotted name, fallback, line) of every runtime import in `tree`: `from a import b` is `a.b` when
    that is a module, else `a`; a package's parent being imported first is not counted as an edge."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking_only(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = here.split(".") if is_package else here.split(".")[:-1]
                pkg = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                base = ".".join([*pkg, base] if base else pkg)
            for alias in node.names:
                yield f"{base}.{alias.name}", base, node.lineno
        stack.extend(ast.iter_child_nodes(node))


def graph(root: Path, packages: list[str]) -> dict[str, dict[str, int]]:
    """module -> {imported project module: first line}."""
    files = {module_name(p, root): p for pkg in packages for p in sorted((root / pkg).rglob("*.py"))}
    edges: dict[str, dict[str, int]] = {m: {} for m in files}
    for mod, path in files.items():
        tree = ast.parse(path.read_text(), str(path))
        for name, fallback, line in imported_names(tree, mod, path.name == "__init__.py"):
            target = name if name in files else fallback if fallback in files else None
            if target is not None:
                edges[mod].setdefault(target, line)
    return edges


def cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected groups of two or more modules, and modules that import themselves (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in edges.get(v, {}):
                out.append(sorted(group))

    before = sys.getrecursionlimit()
    sys.setrecursionlimit(max(10_000, before))
    try:
        for v in sorted(edges):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(before)  # the process that asked (a test run) keeps its own limit
    return out


def main(argv: list[str] | None = None) -> int:
    """Print every cycle; exit 1 if there is one."""
    packages = (argv if argv is not None else sys.argv[1:]) or ["worker", "producer", "console", "devkit"]
    root = Path.cwd()
    edges = graph(root, packages)
    found = cycles(edges)
    for group in found:
        members = set(group)
        print(f"import cycle: {' <-> '.join(group)}")
        for m in group:
            for target, line in sorted(edges[m].items()):
                if target in members:
                    print(f"  {m.replace('.', '/')}.py:{line} imports {target}")
    if not found:
        print(f"no import cycle among {sum(1 for _ in edges)} modules of {', '.join(packages)}")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
