"""The tutorials (docs/tutorials/*.md) run as written: their code blocks, in order, in one namespace, and
each ```text block right after a code block is what that block prints.

The default set runs each page up to its PROVING marker (load, fit, convert, compare with the model's own
predictions: no key synthesis); `-m slow` runs the whole page, proofs and the command-line verification
included. The blocks run in this process (the frameworks' imports are shared with the other tests) in a
temporary folder, so the files a page writes land there.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs" / "tutorials").glob("*.md"))
PROVING = "<!-- proving starts: the blocks below run in tests/test_tutorials.py's slow test -->"
BLOCK = re.compile(r"```(python|bash|text)\n(.*?)```", re.S)


def blocks(page: Path, proving: bool) -> list[tuple[str, str, str | None]]:
    """(language, code, the text block printed right after it or None) of each python/bash block of ``page``;
    up to the PROVING marker unless ``proving``."""
    text = page.read_text()
    assert text.count(PROVING) == 1, f"{page.name}: one proving marker"
    if not proving:
        text = text.split(PROVING)[0]
    found = list(BLOCK.finditer(text))
    out = []
    for i, m in enumerate(found):
        if m.group(1) == "text":
            continue
        after = found[i + 1] if i + 1 < len(found) else None
        printed = after.group(2) if after and after.group(1) == "text" and not text[m.end():after.start()].strip() else None
        out.append((m.group(1), m.group(2), printed))
    return out


def run_page(page: Path, proving: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    saved_env = dict(os.environ)
    namespace: dict[str, object] = {"__name__": "__tutorial__"}
    try:
        for n, (language, code, printed) in enumerate(blocks(page, proving)):
            where = f"{page.name}, block {n + 1}"
            if language == "python":
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    exec(compile(code, where, "exec"), namespace)   # noqa: S102: the page's own code
                if printed is not None:
                    assert out.getvalue() == printed, f"{where} printed:\n{out.getvalue()}"
            elif proving:   # bash: each `pyleo ...` line, as the page's reader runs it; the text shows lines of their output
                said = ""
                for line in code.splitlines():
                    command = line.split("#")[0].strip()
                    if command.startswith("pyleo "):
                        done = subprocess.run([sys.executable, "-m", "pyleo_cli.main", *shlex.split(command)[1:]],
                                              capture_output=True, text=True, timeout=600)
                        assert done.returncode == 0, f"{where}: {command}: {done.stdout}{done.stderr}"
                        said += done.stdout
                for expected in (printed or "").splitlines():
                    assert expected in said.splitlines(), f"{where}: {expected!r} not in:\n{said}"
    finally:
        os.environ.clear()
        os.environ.update(saved_env)


def test_there_are_tutorials_and_each_has_a_proof_step() -> None:
    assert {p.stem for p in PAGES} >= {"scikit-learn", "pytorch", "keras"}
    for page in PAGES:
        assert any("prove(" in code for _, code, _ in blocks(page, proving=True)[len(blocks(page, False)):]), page.name


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_tutorial_converts_as_written(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_page(page, proving=False, tmp_path=tmp_path, monkeypatch=monkeypatch)


@pytest.mark.slow
@pytest.mark.prove
@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_tutorial_proves_and_verifies_as_written(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_page(page, proving=True, tmp_path=tmp_path, monkeypatch=monkeypatch)
