"""The `ticketflow` command: one entry point for people and scripts.

Sub-commands live in modules of this package, each with `register(app)`; they are found at start-up,
so a new capability adds a module and touches nothing else. The habits every command shares (help
panels, `-h`, flags without metavars, arguments in capitals: `_conventions`; one-line errors with
exit code 2: `_errors`) are applied here, once, to whatever registered.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import typer

from console.cli import _conventions, _errors

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="ticketflow: tier-1 support automation on Celery and Redis.",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,  # locals hold settings, and settings hold keys
)
_debug = os.environ.get("TICKETFLOW_DEBUG", "").lower() in ("1", "true", "yes")


def _version() -> str:
    try:
        return version("ticketflow")
    except PackageNotFoundError:  # pragma: no cover - running from a tree that was never installed
        return "unknown"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"ticketflow {_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", envvar="TICKETFLOW_DEBUG", help="Show the traceback of a failure instead of one line.")] = False,
    _version_flag: Annotated[bool | None, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")] = None,
) -> None:
    """ticketflow: tier-1 support automation on Celery and Redis."""
    global _debug
    _debug = _debug or debug


def _register_all() -> None:
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
    _conventions.assign_panels(app)


_register_all()


def command() -> Any:
    """The click command behind `ticketflow`, with the shared habits applied."""
    return _conventions.tidy(typer.main.get_command(app))


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: a failure the operator can fix is one line and exit code 2."""
    from typer import _click  # typer's own copy of click: its exceptions are these, not the click package's

    try:
        rv = command().main(args=argv, prog_name="ticketflow", standalone_mode=False)
    except _click.exceptions.NoArgsIsHelpError as exc:  # the help is printed already
        sys.exit(exc.exit_code)
    except _click.exceptions.ClickException as exc:  # usage: a missing file, a bad value, an unknown option
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "ticketflow"
        typer.secho(f"error: {where}: {exc.format_message()} ({where} -h for help)", fg=typer.colors.RED, err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.secho("aborted", err=True)
        sys.exit(130)
    except Exception as exc:
        problem = None if _debug else _errors.explain(exc)
        if problem is None:
            raise
        typer.secho(f"error: {problem} (--debug for the traceback)", fg=typer.colors.RED, err=True)
        sys.exit(_errors.EXIT_CODE)
    sys.exit(rv if isinstance(rv, int) else 0)
