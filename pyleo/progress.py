"""What a slow step shows while it runs: a spinner naming the stage (:func:`stage`), the rows bar of a batch
(:func:`rows`) and a download's bar (:func:`download`), all drawn by rich on stderr, and only when stderr is a
terminal (a script or a test reading the output sees nothing of them; what a command prints on stdout is unchanged).

Key synthesis is the slow stage a newcomer meets first: :func:`keys_stage` names it ("building proving
keys (first time for this model …)") when the key cache does not hold the function's proving key yet.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from . import vm


def shown(enabled: bool = True) -> bool:
    """Whether progress is drawn: ``enabled`` and stderr is a terminal."""
    return enabled and sys.stderr.isatty()


def keys_stage(program: str, function: str, then: str) -> str:
    """The words of a stage that runs ``function`` of ``program`` (Aleo text) and then does ``then``
    ("proving", "running the circuit"): key synthesis first when the cache lacks its proving key."""
    if vm.keys_cached(program, function, proving=True):
        return then
    return f"building proving keys for {function} (first time for this model; cached for later runs), then {then}"


SHOWING: list[str] = []
"""The stage being drawn, if any: a stage inside it (``Program.prove``'s, inside a command's own) draws nothing."""


@contextlib.contextmanager
def stage(text: str, enabled: bool = True) -> Iterator[None]:
    """A spinner with ``text`` and the seconds elapsed, on stderr, while the block runs (nothing when
    stderr is not a terminal, or inside another stage)."""
    if not shown(enabled) or SHOWING:
        yield
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    SHOWING.append(text)
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as bar:
            bar.add_task(text, total=None)
            yield
    finally:
        SHOWING.pop()


Meter = Callable[[int | None], Callable[[int], None]]
"""A download's progress: called with the total bytes (None: unknown), it returns ``advance(bytes received)``."""


@contextlib.contextmanager
def download(text: str, enabled: bool = True) -> Iterator[Meter]:
    """A bar of the bytes received, their rate and the time left, with ``text`` (rich, on stderr, only on a
    terminal and outside another stage); yields a :data:`Meter`."""
    if not shown(enabled) or SHOWING:
        yield lambda total: lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn, \
        TransferSpeedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(text, total=None)

        def start(total: int | None) -> Callable[[int], None]:
            bar.update(task, total=total)
            return lambda n: bar.update(task, advance=n)

        yield start


class Eta:
    """The time left of a batch: seconds per row × rows left, less the time since the last row. The rate is
    measured from the first row done after the keys stage (the first proof) on: neither that stage (paid once)
    nor the workers' start-up before their first row (loading pyleo and the keys) is a row's cost. Measured on
    16 rows of an iris tree over 2 workers (keys stage 35 s, the workers' first rows 46 s later, then ~9.5 s a
    row): at the half-way row this says 1:17 for the 72 s the batch took after it (+7%); timed from the keys
    stage on, it said 1:59 (+66%). A second run, while other jobs' load on the machine fell: 1:35 for 78 s (+22%)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.marks: list[tuple[float, int]] = []   # (time, rows done) at each advance after the keys stage

    def advance(self, rows: int) -> None:
        now = time.perf_counter()
        keys_stage = self.done == 0
        self.done += rows
        if not keys_stage:
            self.marks.append((now, self.done))

    def text(self) -> str:
        if self.done >= self.total:
            return "done"
        if self.done == 0:
            return "ETA after the first proof"
        if len(self.marks) < 2:
            return "ETA: measuring"
        (t0, d0), (t1, d1) = self.marks[0], self.marks[-1]
        left = max(0.0, (t1 - t0) / (d1 - d0) * (self.total - self.done) - (time.perf_counter() - t1))
        return f"ETA {int(left) // 60}:{int(left) % 60:02d}"


@contextlib.contextmanager
def rows(total: int, first: str, then: str, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """A bar over ``total`` rows (rich, on stderr, only on a terminal); yields ``advance(rows)``. Until the
    first advance the bar's words are ``first`` (the keys stage: :func:`keys_stage`), then ``then``. The ETA
    comes from the rows proved after that (:class:`Eta`)."""
    if not shown(enabled) or total == 0:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn, \
        TimeElapsedColumn
    from rich.text import Text

    eta = Eta(total)

    class EtaColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            return Text(eta.text())

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), EtaColumn(), console=Console(stderr=True)) as bar:
        task = bar.add_task(first, total=total)

        def advance(n: int) -> None:
            eta.advance(n)
            bar.update(task, advance=n, description=then)

        yield advance
