"""Summarize the key-synthesis logs that ``PYLEO_KEYLOG=FILE python -m pytest -n 0 ...`` writes (tests/conftest.py).

    python scripts/key_syntheses.py LOG.jsonl ...      # per test module, then in all

Per module: the test phases that wrote keys, the distinct programs whose keys were synthesized, the
functions (a program's ``F.pk`` is one synthesis while executing ``F``; ``F.vk`` alone comes from a
synthesis of the whole program's verifying keys), and the seconds of those phases (a phase's time
includes what else it did, e.g. proving). "In all" counts each program once over every log, which is
what one shared cold cache would synthesize.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any


def read(paths: list[Path]) -> list[dict[str, Any]]:
    """Every logged phase of every log."""
    return [json.loads(line) for p in paths for line in p.read_text().splitlines() if line.strip()]


def summary(entries: list[dict[str, Any]]) -> str:
    """One line per test module, then the totals (Markdown table)."""
    by_module: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in entries:
        by_module[e["test"].split("::")[0]].append(e)
    lines = ["| module | phases writing keys | programs | functions synthesized | seconds of those phases |",
             "|---|---:|---:|---:|---:|"]
    everywhere: dict[str, set[str]] = defaultdict(set)
    for module, es in sorted(by_module.items(), key=lambda kv: -sum(e["seconds"] for e in kv[1])):
        programs: dict[str, set[str]] = defaultdict(set)
        for e in es:
            for digest, files in e["programs"].items():
                programs[digest] |= {f.rsplit(".", 1)[0] for f in files}
                everywhere[digest] |= {f"{module}:{f}" for f in files}
        functions = sum(len(f) for f in programs.values())
        lines.append(f"| {module} | {len(es)} | {len(programs)} | {functions} | {sum(e['seconds'] for e in es):.0f} |")
    shared = sum(len({f.split(':')[0] for f in files}) > 1 for files in everywhere.values())
    lines.append(f"| all | {len(entries)} | {len(everywhere)} distinct ({shared} in more than one module) | | "
                 f"{sum(e['seconds'] for e in entries):.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    paths = [Path(a) for a in (sys.argv[1:] if argv is None else argv)]
    if not paths:
        sys.exit(__doc__)
    print(summary(read(paths)))


if __name__ == "__main__":
    main()
