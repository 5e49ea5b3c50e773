"""``pyleo params`` (snarkVM's universal parameters) and ``pyleo cache`` (the key cache)."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from pyleo import params, vm

from .common import HELP, Command, reports_errors

params_app = typer.Typer(help="Manage snarkVM's universal parameters (needed to prove).", no_args_is_help=True,
                         rich_markup_mode=None, context_settings=HELP)
cache_app = typer.Typer(help="Inspect or clear the cache of proving and verifying keys.", no_args_is_help=True,
                        rich_markup_mode=None, context_settings=HELP)


@params_app.command("install", cls=Command)
@reports_errors
def params_install(directory: Path = typer.Argument(..., metavar="DIR", help="Folder with the *.usrs and *.metadata files."),
                   dest: Path | None = typer.Option(None, help="Target folder (default ~/.aleo/resources).")) -> None:
    """Copy snarkVM's universal parameters into ~/.aleo/resources under checksum-suffixed names (sha256 checked)."""
    for path in params.install(directory, dest):
        typer.echo(f"installed {path}")


@params_app.command("check", cls=Command)
@reports_errors
def params_check() -> None:
    """Check that the degree-16 parameters are installed."""
    params.check_installed()
    typer.echo("snarkVM parameters are installed")


@cache_app.command("info", cls=Command)
@reports_errors
def cache_info() -> None:
    """Print where the key cache is, how much it holds and its size bound."""
    entries = vm.cached_programs()
    bound = vm.cache_max_bytes()
    total = sum(size for _, size, _ in entries)
    typer.echo(f"key cache: {vm.cache_dir() / 'keys'}")
    typer.echo(f"{len(entries)} program(s), {total / 2**20:,.1f} MiB; bound "
               + (f"{bound / 2**20:,.0f} MiB (PYLEO_CACHE_MAX_MB; least recently used programs go first)"
                  if bound is not None else "none (PYLEO_CACHE_MAX_MB=0)"))
    for d, size, used in entries:
        program = d / "program.aleo"
        name = program.read_text().split(";", 1)[0].removeprefix("program ") if program.is_file() else "?"
        typer.echo(f"  {name:<32} {size / 2**20:>9,.1f} MiB  last used {time.strftime('%Y-%m-%d %H:%M', time.localtime(used))}")


@cache_app.command("clear", cls=Command)
@reports_errors
def cache_clear() -> None:
    """Delete every cached key (they are synthesized again when needed, seconds per function)."""
    removed = vm.clear_cache()
    typer.echo(f"deleted the keys of {len(removed)} program(s) from {vm.cache_dir() / 'keys'}")
