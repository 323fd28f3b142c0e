"""Deterministic per-line hit counts of a program on a test, measured in the sandbox (`ecco explain`).

Why counts and not times: a hit count is the same on every run and every machine, so the hot loop of a slow
program can be put next to its replacement without noise, and the counts over a problem's tests give a cost
whose growth with input size can be fitted (`metrics.scaling`). They see Python-level work only: a line calling
a C builtin (`sorted`, `sum`) is one event whatever it does.

How: the program is wrapped (`wrap_program`) in a small Python program that compiles the program's text under
a fixed file name (`PROGRAM_FILENAME`), runs it as `__main__` in the real main module, and counts the "line"
events of that file name only (`sys.settrace` on 3.11; `sys.monitoring` on 3.12+, which is cheaper and disables
itself on other files). In a `finally` it writes the counts as one JSON line after a marker (`MARKER`) to
stderr, so the program's stdout is untouched and still judged, and its own stderr stays available
(`parse_profile` takes the line out). The wrapper goes through the ordinary `Engine.run`: the sandbox, the
limits and whole-tree accounting apply, and it works on Judge0 too (its Python 3.8 included).

Limits: tracing slows a line-heavy program down up to about 10x, so a profiling run gets `PROFILE_TIME_FACTOR`
times the configured CPU and wall limits, capped at Judge0 CE's maxima (`profile_limits`). A run killed by a
limit, or leaving by `os._exit`, reports no counts (`LineProfile.hits` is None).

Profiling runs are not timing runs: they are cached in their own table (`line_profiles`, keyed by program, test
and engine) and never written to `executions`, so no verdict, report or cache stamp sees them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Sequence
from contextlib import aclosing

from ecco_tui.engines.base import Engine, EngineInfo, Limits, TestCase, TestResult
from ecco_tui.model import code_sha256, normalize_code
from ecco_tui.store.store import LineProfile, Store

__all__ = [
    "MARKER",
    "PROFILE_TIME_FACTOR",
    "PROGRAM_FILENAME",
    "LineProfile",
    "leading_blank_lines",
    "parse_profile",
    "profile_limits",
    "profile_programs",
    "wrap_program",
]

#: The file name the program is compiled under: only line events of this file are counted.
PROGRAM_FILENAME = "<ecco-program>"
#: Starts the one stderr line that carries the counts (unlikely in a program's own output).
MARKER = "@@ecco-line-profile-v1@@"
#: Tracing overhead allowance: the profiling run's CPU and wall limits are this many times the configured ones.
PROFILE_TIME_FACTOR = 10.0
#: Caps of the raised limits: Judge0 CE's maxima (cpu_time_limit 15 s, wall_time_limit 20 s), so the same
#: profiling run is accepted by Judge0 and the local engine alike.
PROFILE_CPU_CAP_S = 15.0
PROFILE_WALL_CAP_S = 20.0

# The wrapper: Python 3.8-compatible (Judge0 CE's Python), binds no global name but the program's own (it runs
# in the real `__main__` module, so pickling and `if __name__ == "__main__"` behave), imports only modules the
# interpreter has loaded at start-up or `threading` (settrace must reach threads the program starts).
_WRAPPER = '''\
def _ecco_profile(source):
    import os
    import sys
    name = {filename!r}
    main = sys.modules["__main__"].__dict__
    del main["_ecco_profile"]
    hits = [0] * (source.count("\\n") + 2)
    tracer = "settrace"
    code = compile(source, name, "exec", 0, True)
    if sys.version_info >= (3, 12):
        tracer = "sys.monitoring"
        mon = sys.monitoring
        tool = mon.PROFILER_ID
        mon.use_tool_id(tool, "ecco-line-profile")
        disable = mon.DISABLE

        def on_line(code, line):
            if code.co_filename != name:
                return disable
            hits[line] += 1

        mon.register_callback(tool, mon.events.LINE, on_line)
        mon.set_events(tool, mon.events.LINE)
    else:
        import threading

        def local(frame, event, arg):
            if event == "line":
                hits[frame.f_lineno] += 1
            return local

        def start(frame, event, arg):
            if frame.f_code.co_filename == name:
                return local
            return None

        threading.settrace(start)
        sys.settrace(start)
    try:
        exec(code, main)
    finally:
        threading = sys.modules.get("threading")
        if threading is not None:
            me = threading.current_thread()
            for thread in threading.enumerate():
                if thread is not me and not thread.daemon:
                    thread.join()
        if tracer == "settrace":
            sys.settrace(None)
            if threading is not None:
                threading.settrace(None)
        else:
            sys.monitoring.set_events(sys.monitoring.PROFILER_ID, 0)
        pairs = ",".join("[%d,%d]" % (i, n) for i, n in enumerate(hits) if n)
        line = '\\n{marker}{{"tracer":"%s","hits":[%s]}}\\n' % (tracer, pairs)
        try:
            sys.stderr.flush()
        except Exception:
            pass
        data = line.encode()
        try:
            while data:
                data = data[os.write(2, data):]
        except OSError:
            pass


_ecco_profile({source!r})
'''


def wrap_program(source: str) -> str:
    """The program text that runs `source` as `__main__` and reports its per-line hit counts on stderr."""
    return _WRAPPER.format(filename=PROGRAM_FILENAME, marker=MARKER, source=source)


def profile_limits(limits: Limits) -> Limits:
    """The limits of a profiling run: `PROFILE_TIME_FACTOR` times the CPU and wall limits, for the tracing
    overhead, capped at Judge0 CE's maxima (the wall limit never below the CPU limit)."""
    cpu = min(limits.cpu_time_s * PROFILE_TIME_FACTOR, PROFILE_CPU_CAP_S)
    wall = max(min(limits.wall_time_s * PROFILE_TIME_FACTOR, PROFILE_WALL_CAP_S), cpu)
    return dataclasses.replace(limits, cpu_time_s=max(cpu, limits.cpu_time_s),
                               wall_time_s=max(wall, limits.wall_time_s))


def parse_profile(stderr: str) -> tuple[dict[int, int] | None, str | None, str]:
    """(hit counts by line, tracer, the program's own stderr) from a profiled run's stderr. The counts are
    None when the run ended before the wrapper reported (a limit, `os._exit`) or the report was cut."""
    at = stderr.rfind(MARKER)
    if at < 0:
        return None, None, stderr
    end = stderr.find("\n", at)
    if end < 0:  # cut by the output cap: no complete report
        return None, None, stderr[:at].removesuffix("\n")
    try:
        report = json.loads(stderr[at + len(MARKER):end])
        hits = {int(line): int(n) for line, n in report["hits"]}
        tracer = str(report["tracer"])
    except (ValueError, KeyError, TypeError):
        return None, None, stderr
    own = stderr[:at].removesuffix("\n") + stderr[end + 1:]
    return hits, tracer, own


def leading_blank_lines(text: str) -> int:
    """How many lines `normalize_code` strips from the top of `text` (blank or whitespace-only ones): the
    offset from a line of the normalized program, which is what is profiled and cached, to the same line of
    `text` as stored."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    n = 0
    for line in lines:
        if line.strip():
            break
        n += 1
    return n if n < len(lines) else 0


def _profile_of(sha: str, test: TestCase, info: EngineInfo, result: TestResult) -> LineProfile:
    hits, tracer, _own = parse_profile(result.stderr)
    return LineProfile(sha, test.problem_id, test.visibility, test.index, test.sha256, info.name, info.version,
                       tracer or "", result.status_id, result.status_description, hits,
                       None if hits is None else sum(hits.values()))


async def _run_one(engine: Engine, info: EngineInfo, code: str, tests: Sequence[TestCase],
                   limits: Limits) -> list[LineProfile]:
    normalized = normalize_code(code)
    sha = code_sha256(code)
    out = []
    async with aclosing(engine.run(wrap_program(normalized), tests, limits)) as results:
        async for result in results:
            out.append(_profile_of(sha, result.test, info, result))
    return out


async def profile_programs(
    store: Store,
    engine: Engine,
    codes: Sequence[str],
    tests: Sequence[TestCase],
    limits: Limits,
    *,
    force: bool = False,
) -> dict[tuple[str, str], LineProfile]:
    """Per-line hit counts of each program in `codes` on each test, keyed by (code sha256, "visibility:idx"):
    the cached ones from the store (same program, test content and engine version), the others profiled now
    with `profile_limits(limits)`, the programs at once (a pair profiles in about the time of its slower
    program), and cached. Nothing is written to `executions`. `force` profiles again."""
    info = await engine.info()
    shas = {code_sha256(c): c for c in codes}
    wanted = {(t.problem_id, f"{t.visibility}:{t.index}"): t.sha256 for t in tests}
    cached = {} if force else {
        (p.code_sha256, p.test_id): p
        for problem in sorted({t.problem_id for t in tests})
        for p in store.line_profiles(list(shas), problem, engine=info.name, engine_version=info.version)
        if wanted.get((p.problem_id, p.test_id)) == p.test_sha256
    }
    jobs = []
    for sha, code in shas.items():
        missing = [t for t in tests if (sha, f"{t.visibility}:{t.index}") not in cached]
        if missing:
            jobs.append(_run_one(engine, info, code, missing, profile_limits(limits)))
    fresh = [p for done in await asyncio.gather(*jobs) for p in done]
    if fresh:
        store.add_line_profiles(fresh)
    return {**cached, **{(p.code_sha256, p.test_id): p for p in fresh}}
