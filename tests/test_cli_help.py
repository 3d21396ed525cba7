"""The command line's help reads as prose: each command's summary in the list is wrapped to the
terminal, not broken where its docstring's lines happen to end."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from mdm.cli import app


def test_each_commands_summary_is_wrapped_to_the_terminal() -> None:
    listed = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "250"}, terminal_width=250)
    assert listed.exit_code == 0, listed.output
    lines = {line.split()[1]: line for line in listed.output.splitlines() if line.startswith("│ ")}
    for command in ("load", "erase", "compact", "backup"):
        assert command in lines, listed.output
        assert lines[command].rstrip(" │").endswith("."), lines[command]


def test_every_mdm_command_the_readme_gives_takes_the_options_it_names() -> None:
    """A new team copies README.md's commands: each `mdm ...` it writes (in a code block or a
    sentence, to the end of its line or an `&&`) names a command there is and only options it takes,
    so an option renamed in the code and not in the README fails here."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").replace("\\\n", " ")
    root = typer.main.get_command(app)
    named = []
    for found in re.finditer(r"\bmdm ([a-z]+)(?: +([a-z]+))?([^`\n#&]*)", readme):
        command, rest = root.commands.get(found[1]), found[3]
        assert command is not None, found[0]
        if isinstance(command, TyperGroup):
            command = command.commands.get(found[2] or "")
            assert command is not None, found[0]
        elif found[2]:
            rest = f" {found[2]}{rest}"
        taken = {option for param in command.params for option in param.opts}
        named += [(found[0], option) for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest)
                  if option not in taken]
    assert named == []
