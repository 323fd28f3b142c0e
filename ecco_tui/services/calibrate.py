"""`ecco calibrate`: the same reference programs on several engines, to compare their clocks and memory.

Judge0 reports CPU time of everything in its box and the cgroup's memory charge; the local sandbox reports
the program's own CPU time and max RSS. For small Python programs RSS is about twice the cgroup charge, so
memory ratios and percentiles against ECCO's published (Judge0) spectra need this table to be read right.
"""

from __future__ import annotations

import statistics
from contextlib import aclosing
from dataclasses import dataclass

from ecco_tui.engines.base import Engine, Limits, TestCase

REFERENCE_PROGRAMS: tuple[tuple[str, str], ...] = (
    ("start-up: print(1)", "print(1)\n"),
    ("sum(range(10**6))", "print(sum(range(10**6)))\n"),
    ("sum(range(10**7))", "print(sum(range(10**7)))\n"),
    ("loop 2*10**6 with input", "n = int(input())\nt = 0\nfor i in range(n):\n    t += i & 7\nprint(t)\n"),
    ("bytearray 50 MiB", "b = bytearray(50 * 1024 * 1024)\nprint(len(b))\n"),
    ("sort 10**6 ints", "import random\nr = random.Random(1)\na = [r.random() for _ in range(10**6)]\n"
                        "a.sort()\nprint(len(a))\n"),
)
STDIN = {"loop 2*10**6 with input": "2000000\n"}


@dataclass(frozen=True, slots=True)
class CalibrationRow:
    program: str
    engine: str
    runs: int
    failures: int
    cpu_median_s: float | None
    cpu_cv: float | None  # coefficient of variation over the repeats
    wall_median_s: float | None
    memory_median_kb: float | None


async def calibrate(engine: Engine, *, repeat: int = 5, limits: Limits | None = None) -> list[CalibrationRow]:
    info = await engine.info()
    limits = limits or Limits(cpu_time_s=10, wall_time_s=20, memory_kb=512_000)
    rows = []
    for name, code in REFERENCE_PROGRAMS:
        test = TestCase("calibration", "public", 0, STDIN.get(name, ""), None)
        results = []
        async with aclosing(engine.run(code, [test], limits, repeat=repeat)) as stream:
            async for result in stream:
                results.append(result)
        ok = [r for r in results if r.accepted]
        cpu = [r.cpu_time_s for r in ok if r.cpu_time_s is not None]
        wall = [r.wall_time_s for r in ok if r.wall_time_s is not None]
        mem = [float(r.memory_kb) for r in ok if r.memory_kb is not None]
        cv = statistics.pstdev(cpu) / statistics.mean(cpu) if len(cpu) > 1 and statistics.mean(cpu) > 0 else None
        rows.append(CalibrationRow(
            program=name, engine=f"{info.name} {info.version}", runs=len(results), failures=len(results) - len(ok),
            cpu_median_s=statistics.median(cpu) if cpu else None, cpu_cv=cv,
            wall_median_s=statistics.median(wall) if wall else None,
            memory_median_kb=statistics.median(mem) if mem else None,
        ))
    return rows
