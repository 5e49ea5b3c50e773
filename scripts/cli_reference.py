"""Write docs/cli-reference.md: every `pyleo` command's help, generated from the typer app itself.

    python scripts/cli_reference.py            # rewrite the page
    python scripts/cli_reference.py --check    # exit 1 when the page is not what the app says (tests/test_ux.py)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

PAGE = Path(__file__).resolve().parents[1] / "docs" / "cli-reference.md"


def reference() -> str:
    """The page: `pyleo -h`, then each command's and each group's subcommands' help, as `pyleo X -h` prints it."""
    from pyleo_cli.main import app

    root = typer.main.get_command(app)
    parts = ["# Command-line reference\n",
             "Generated from the `pyleo` command itself by `python scripts/cli_reference.py` (a test checks it is "
             "current); `pyleo COMMAND -h` prints the same. The guide with examples: [Command line](cli.md).\n"]

    def add(cmd: Any, path: list[str]) -> None:
        ctx = cmd.context_class(cmd, info_name=" ".join(path), terminal_width=100, max_content_width=100)
        parts.append(f"## `{' '.join(path)}`\n\n```text\n{cmd.get_help(ctx).rstrip()}\n```\n")
        for name in sorted(getattr(cmd, "commands", {})):   # a group's subcommands
            add(cmd.commands[name], [*path, name])

    add(root, ["pyleo"])
    return "\n".join(parts)


if __name__ == "__main__":
    text = reference()
    if "--check" in sys.argv[1:]:
        sys.exit(0 if PAGE.is_file() and PAGE.read_text() == text else 1)
    PAGE.write_text(text)
    print(f"wrote {PAGE}")
