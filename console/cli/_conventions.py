"""The command line's habits, applied once to every command whatever module registered it.

- Commands are grouped in the help by what an operator does with them (`PANELS`, in that order);
  a module may name its own panel (`rich_help_panel=`), otherwise `COMMAND_PANELS` places it by name
  and anything unknown lands in "Other".
- Flags show no value metavar: typer 0.29's rich help prints `<bool>` after every flag (`--json
  <bool>`, even `--help <bool>`) although `--json true` is an error.
- Arguments print in capitals (`SOURCE`, not typer's `{source}`), as usage lines conventionally do.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

PANELS = ("Run", "Ingest", "Observe", "Help centre", "Evaluate", "Benchmark", "Other")
COMMAND_PANELS = {
    "worker": "Run", "demo": "Run", "reap": "Run", "dlq": "Run",
    "serve": "Ingest", "poll": "Ingest", "import": "Ingest", "enqueue": "Ingest",
    "results": "Observe", "report": "Observe", "archive": "Observe",
    "index": "Help centre",
    "eval": "Evaluate", "eval-retrieval": "Evaluate", "train": "Evaluate",
    "bench": "Benchmark", "bench-retrieval": "Benchmark", "providers": "Benchmark",
}


def panel_for(name: str | None, current: str | None) -> str:
    """The help panel of a command: its own if it set one, else the one its name belongs to."""
    if current:
        return current
    return COMMAND_PANELS.get(name or "", "Other")


def assign_panels(app: typer.Typer) -> None:
    """Give every registered command and sub-app a help panel (those that named one keep it)."""
    for cmd in app.registered_commands:
        name = cmd.name or (cmd.callback.__name__.replace("_", "-").strip("-") if cmd.callback else None)
        cmd.rich_help_panel = panel_for(name, cmd.rich_help_panel)
    for group in app.registered_groups:
        group.rich_help_panel = panel_for(group.name, group.rich_help_panel)


class _Flag(TyperOption):
    """A typer option that shows no `<bool>` after a flag."""

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag and not self.count:
            return None
        return super().display_type_rich(ctx)


class _Argument(TyperArgument):
    """A typer argument whose usage reads `NAME` (required) or `[NAME]`, in capitals."""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw.upper()
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    @property
    def display_name_raw(self) -> str:
        return self.metavar if self.metavar is not None else (self.name or "").upper()


def tidy(command: Any, ctx: typer.Context | None = None) -> Any:
    """Apply the habits to `command` (typer's click command) and everything under it; returns it.

    typer 0.29 carries its own copy of click, so its classes are typer's, not the `click` package's."""
    ctx = ctx or typer.Context(command, info_name=command.name, help_option_names=["-h", "--help"])
    params = list(command.params)
    help_option = command.get_help_option(ctx)
    if help_option is not None:
        params.append(help_option)
    for p in params:
        if type(p) is TyperOption:
            p.__class__ = _Flag
        elif type(p) is TyperArgument:
            p.__class__ = _Argument
    if isinstance(command, TyperGroup):
        order = {name: i for i, name in enumerate(command.commands)}

        def rank(item: tuple[str, Any]) -> tuple[int, int]:
            panel = getattr(item[1], "rich_help_panel", None) or "Other"
            return (PANELS.index(panel) if panel in PANELS else len(PANELS), order[item[0]])

        command.commands = dict(sorted(command.commands.items(), key=rank))
        for name, sub in command.commands.items():
            tidy(sub, typer.Context(sub, parent=ctx, info_name=name))
    return command
