"""The command line's help reads as prose: each command's summary in the list is wrapped to the
terminal, not broken where its docstring's lines happen to end."""

from __future__ import annotations

from typer.testing import CliRunner

from mdm.cli import app


def test_each_commands_summary_is_wrapped_to_the_terminal() -> None:
    listed = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "250"}, terminal_width=250)
    assert listed.exit_code == 0, listed.output
    lines = {line.split()[1]: line for line in listed.output.splitlines() if line.startswith("│ ")}
    for command in ("load", "erase", "compact", "backup"):
        assert command in lines, listed.output
        assert lines[command].rstrip(" │").endswith("."), lines[command]
