"""The `ticketflow` command: one entry point for people and scripts.

Sub-commands live in modules of this package, each with `register(app)`; they are found at start-up,
so a new capability adds a module and touches nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="ticketflow: tier-1 support automation on Celery and Redis.")


def _register_all() -> None:
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_all()


def main() -> None:
    """Console-script entry point."""
    app()
