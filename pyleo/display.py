"""The process that draws a progress display of :mod:`pyleo.progress` on the terminal (rich, on its stderr).

snarkVM's calls through aleo-sdk hold Python's global interpreter lock for their whole length (a proving-key
synthesis: 11-18 s), so no thread of the process that makes them can draw; and that process sends its file
descriptors 1 and 2 to a capture file meanwhile (:func:`pyleo.vm.sdk.call_quietly`). This script runs in a
process of its own, started by :mod:`pyleo.progress` with the terminal as its stderr, and imports only the
standard library and rich (~0.1 s), not pyleo: it is run by its path (``python -P display.py``).

It reads JSON lines on stdin: first the display, ``{"kind": "stage" | "download" | "rows", "text": ...,
"then": ..., "total": ...}``, then updates: ``{"advance": n}`` (rows or bytes done), ``{"total": n}`` (a
download's size), ``{"text": words}`` (a stage's new words), ``{"write": text}`` (what the other process printed meanwhile, shown above the display as
rich shows a process's own prints). At the end of its input (the other process is done, or gone) it clears a
spinner's line, leaves a batch's bar, and exits. Ctrl-C reaches both processes: this one says so at the head of
the line and goes on until the other stops (which ends its snarkVM call first).
"""

import json
import signal
import sys
import time
from typing import Any


class Eta:
    """The time left of a batch: seconds per row × rows left, less the time since the last row. The rate is
    measured from the first row done after the keys stage (the first proof) on: neither that stage (paid once)
    nor the workers' start-up before their first row (loading pyleo and the keys) is a row's cost. Measured on
    16 rows of an iris tree over 2 workers (keys stage 35 s, the workers' first rows 46 s later, then ~9.5 s a
    row): at the half-way row this says 1:17 for the 72 s the batch took after it (+7%); timed from the keys
    stage on, it said 1:59 (+66%). A second run, while other jobs' load on the machine fell: 1:35 for 78 s (+22%).
    Rows done within a second of each other (two workers finishing together) give no rate: 12 rows of a wine forest
    over 2 workers said "ETA 0:01" for 18 s at 3/12 (85 s left), from two rows 0.3 s apart; at the half-way row it
    said 0:57 for 47 s (+21%)."""

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
        if len(self.marks) < 2 or self.marks[-1][0] - self.marks[0][0] < 1.0:   # rows finished together: no rate
            return "ETA: measuring"
        (t0, d0), (t1, d1) = self.marks[0], self.marks[-1]
        left = max(0.0, (t1 - t0) / (d1 - d0) * (self.total - self.done) - (time.perf_counter() - t1))
        return f"ETA {int(left) // 60}:{int(left) % 60:02d}"


def columns(kind: str, eta: Eta | None) -> list[Any]:
    """rich's columns of a display: a stage's spinner, text and time elapsed; a download's bar, bytes, rate and
    time left; a batch's bar, rows done, time elapsed and :class:`Eta`."""
    from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, ProgressColumn, SpinnerColumn, \
        TextColumn, TimeElapsedColumn, TimeRemainingColumn, TransferSpeedColumn
    from rich.table import Column
    from rich.text import Text

    class EtaColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            return Text(eta.text() if eta is not None else "")

    words = TextColumn("{task.description}", table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis"))
    shown: list[Any] = [SpinnerColumn(), words]   # long words are cut short, never the spinner or the figures
    if kind == "download":
        return shown + [BarColumn(bar_width=20), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn()]
    if kind == "rows":
        return shown + [BarColumn(bar_width=20), MofNCompleteColumn(), TimeElapsedColumn(),
                        EtaColumn(table_column=Column(min_width=len("ETA after the first proof")))]   # no jitter
    return shown + [TimeElapsedColumn()]


def main() -> None:
    from rich.console import Console
    from rich.file_proxy import FileProxy
    from rich.progress import Progress

    spec = json.loads(sys.stdin.readline() or "null")
    if not isinstance(spec, dict):
        return
    kind, text = spec.get("kind"), str(spec.get("text", ""))
    eta = Eta(int(spec["total"])) if kind == "rows" else None
    with Progress(*columns(kind, eta), console=Console(stderr=True), transient=kind != "rows", expand=True,
                  redirect_stdout=False, redirect_stderr=False) as bar:
        task = bar.add_task(text, total=spec.get("total"))
        printed = FileProxy(bar.console, sys.stderr)
        signal.signal(signal.SIGINT, lambda *_: bar.update(
            task, description=f"interrupted, stopping: {bar.tasks[0].description}"))
        for line in sys.stdin:
            message = json.loads(line)
            if "write" in message:
                printed.write(message["write"])
            if "text" in message:
                bar.update(task, description=message["text"])
            if "total" in message:
                bar.update(task, total=message["total"])
            if "advance" in message:
                if eta is not None:
                    eta.advance(message["advance"])
                bar.update(task, advance=message["advance"], description=spec.get("then", text))
        printed.flush()


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # until the display says "interrupted": never a traceback here
    try:
        main()
    except BrokenPipeError:   # the terminal went away
        pass
