"""Whole-tree accounting: work and memory hidden in other processes are charged, and the tree ends with the test.

Each accounting mode runs where it can: cgroup-v1 needs root and v1 hierarchies (CI has both; it is required
there), the subreaper fallback runs anywhere.
"""

from __future__ import annotations

import contextlib
import os
import statistics

import pytest

from ecco_tui.engines.base import Limits, Status, TestCase, TestResult
from ecco_tui.engines.cgroups import CGROUP_V1, SUBREAPER, accounting_mode, group_parent
from ecco_tui.engines.local import LocalEngine
from ecco_tui.services.selftest.accounting import HELD_MB, preamble, program
from tests.adversarial.procscan import wait_until_gone
from tests.adversarial.requirements import in_ci, require_bwrap

LIMITS = Limits(cpu_time_s=2.0, cpu_extra_time_s=0.5, wall_time_s=6.0, memory_kb=512_000)

# About 0.2 s of CPU: large against start-up (~10 ms) and a pool's start, small for the suite. The programs are
# the selftest's (ecco selftest runs them with more work).
N = 150_000
WORK = preamble(N)
HONEST = program("honest", N)
DOUBLE_FORK = program("double_fork", N)
POOL = program("pool_of_4", N)
GRANDCHILD_HOLDS = program("grandchild_memory")
PRIMES = "13848"


def _modes() -> list[str]:
    return [CGROUP_V1, SUBREAPER]


@pytest.fixture(params=_modes())
async def tree_engine(request: pytest.FixtureRequest):
    require_bwrap()
    mode = request.param
    if mode == CGROUP_V1 and accounting_mode() != CGROUP_V1:
        if in_ci():
            pytest.fail("CI runs as root with cgroup v1: cgroup accounting must be available")
        pytest.skip("no cgroup v1 cpuacct/memory hierarchy writable here")
    eng = LocalEngine(use_bwrap=True, accounting=mode)
    yield eng
    await eng.aclose()


async def _runs(engine: LocalEngine, program: str, repeat: int = 3, limits: Limits = LIMITS,
                expected: str | None = PRIMES) -> list[TestResult]:
    test = TestCase(problem_id="p", visibility="public", index=0, input="", expected_output=expected)
    async with contextlib.aclosing(engine.run(program, [test], limits, repeat=repeat)) as results:
        return [r async for r in results]


async def _least_cpu_side_by_side(engine: LocalEngine, first: str, second: str) -> tuple[float, float]:
    """The least CPU of 3 runs of each program, run alternately one at a time: load on the machine only adds
    CPU time (and adds more to 4 processes on 2 cores than to one), so the least is the program's cost."""
    cpu: tuple[list[float], list[float]] = ([], [])
    for _ in range(3):
        for side, code in enumerate((first, second)):
            (run,) = await _runs(engine, code, repeat=1)
            assert run.status_id == Status.ACCEPTED, run.stderr
            cpu[side].append(run.cpu_time_s or 0.0)
    return min(cpu[0]), min(cpu[1])


def _charged_like(hidden: float, honest: float) -> None:
    """Hidden work is charged: at least half the honest run's CPU (main-process accounting charged a double
    fork 0.06x; this host's CPU time varied 18-25% between runs of one program, so the bound leaves room).
    The upper bound is loose too: forked processes can cost more CPU than the same work in one process
    (copy-on-write faults on the shared heap), 1.3-1.5x inside the full suite on CI; charging more never
    rewards hiding work."""
    assert 0.5 * honest <= hidden <= 2.0 * honest, f"hidden work charged {hidden:.3f} s vs honest {honest:.3f} s"


async def test_engine_version_names_the_accounting_mode(tree_engine: LocalEngine) -> None:
    info = await tree_engine.info()
    assert f"+{info.details['accounting']}/" in info.version


async def test_work_of_a_double_forked_orphan_is_charged_like_honest_work(tree_engine: LocalEngine) -> None:
    honest, hidden = await _least_cpu_side_by_side(tree_engine, HONEST, DOUBLE_FORK)
    _charged_like(hidden, honest)


async def test_work_of_a_pool_of_four_is_charged_like_honest_work(tree_engine: LocalEngine) -> None:
    honest, pooled = await _least_cpu_side_by_side(tree_engine, HONEST, POOL)
    _charged_like(pooled, honest)


async def test_memory_held_by_a_grandchild_is_seen(tree_engine: LocalEngine) -> None:
    (result,) = await _runs(tree_engine, GRANDCHILD_HOLDS, repeat=1, expected="held")
    assert result.status_id == Status.ACCEPTED
    assert (result.memory_kb or 0) >= 0.8 * HELD_MB * 1024


async def test_cgroup_memory_is_the_charge_not_the_resident_size() -> None:
    """Like Judge0's cg-mem figure: the OS's bare interpreter is charged about 3 MB, not its 8 MB RSS."""
    require_bwrap()
    if accounting_mode() != CGROUP_V1:
        pytest.skip("no cgroup v1 here")
    if not os.path.exists("/usr/bin/python3"):
        pytest.skip("no OS interpreter at /usr/bin/python3")
    eng = LocalEngine("/usr/bin/python3", use_bwrap=True, accounting=CGROUP_V1)
    try:
        runs = await _runs(eng, "pass\n", expected=None)
    finally:
        await eng.aclose()
    assert 1024 <= statistics.median(r.memory_kb or 0 for r in runs) <= 6 * 1024


async def test_cpu_limit_counts_every_process_of_the_tree(tree_engine: LocalEngine) -> None:
    """Four processes at about 0.6 s each stay under a 1 s limit one by one, not together."""
    if (await tree_engine.info()).details["accounting"] != CGROUP_V1:
        pytest.skip("the subreaper fallback learns the tree's CPU only when it ends (RLIMIT_CPU is per process)")
    code = WORK + "import os\nos.fork()\nos.fork()\ncount(0, 300_000)\nprint('done')\n"
    limits = Limits(cpu_time_s=1.0, cpu_extra_time_s=0.0, wall_time_s=6.0, memory_kb=512_000)
    (result,) = await _runs(tree_engine, code, repeat=1, limits=limits, expected=None)
    assert result.status_id == Status.TIME_LIMIT_EXCEEDED
    assert (result.cpu_time_s or 0) >= 1.0


async def test_no_process_of_a_timed_out_submission_survives(tree_engine: LocalEngine) -> None:
    marker = "ecco-tree-tle-survivor"
    code = (
        "import os, subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '{marker}'], start_new_session=True)\n"
        "while True:\n    pass\n"
    )
    limits = Limits(cpu_time_s=0.5, cpu_extra_time_s=0.0, wall_time_s=2.0, memory_kb=512_000)
    (result,) = await _runs(tree_engine, code, repeat=1, limits=limits, expected=None)
    assert result.status_id == Status.TIME_LIMIT_EXCEEDED
    assert wait_until_gone((marker,)) == []


async def test_output_written_after_the_main_process_exits_is_not_credited(tree_engine: LocalEngine) -> None:
    code = (
        "import os, sys, time\n"
        "if os.fork() == 0:\n"
        "    time.sleep(0.3)\n"
        "    print('late', flush=True)\n"
        "    os._exit(0)\n"
        "print('early', flush=True)\n"
    )
    (result,) = await _runs(tree_engine, code, repeat=1, expected="early")
    assert result.status_id == Status.ACCEPTED
    assert "late" not in result.stdout


async def test_unsandboxed_cgroup_mode_kills_a_setsid_escaper() -> None:
    """Without a pid namespace the group's member list still reaches a process that left the process group."""
    if accounting_mode() != CGROUP_V1:
        pytest.skip("no cgroup v1 here")
    marker = "ecco-tree-setsid-escaper"
    code = (
        "import subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '{marker}'], start_new_session=True)\n"
        "print('ok')\n"
    )
    eng = LocalEngine(use_bwrap=False, accounting=CGROUP_V1)
    try:
        (result,) = await _runs(eng, code, repeat=1, expected="ok")
    finally:
        await eng.aclose()
    assert result.status_id == Status.ACCEPTED
    assert wait_until_gone((marker,)) == []


async def test_accounting_groups_are_removed_when_the_engine_closes() -> None:
    if accounting_mode() != CGROUP_V1:
        pytest.skip("no cgroup v1 here")
    eng = LocalEngine(use_bwrap=False, accounting=CGROUP_V1, concurrency=1)
    await _runs(eng, "print('ok')\n", repeat=1, expected="ok")
    assert eng._base is not None
    prefix = f"{os.getpid()}-{eng._base.name}-"  # this engine's groups (other tests' engines may be open)
    made = {c: [g for g in group_parent(c).iterdir() if g.name.startswith(prefix)]  # type: ignore[union-attr]
            for c in ("cpuacct", "memory")}
    await eng.aclose()
    assert all(made.values())
    assert not [g for groups in made.values() for g in groups if g.exists()]


async def test_closing_one_engine_leaves_another_engines_groups_working() -> None:
    """Two engines in one process (the app and a server, two tests) each have groups of their own."""
    if accounting_mode() != CGROUP_V1:
        pytest.skip("no cgroup v1 here")
    first = LocalEngine(use_bwrap=False, accounting=CGROUP_V1, concurrency=1)
    second = LocalEngine(use_bwrap=False, accounting=CGROUP_V1, concurrency=1)
    try:
        await _runs(first, "print('ok')\n", repeat=1, expected="ok")
        await _runs(second, "print('ok')\n", repeat=1, expected="ok")
        await first.aclose()
        (result,) = await _runs(second, "print('ok')\n", repeat=1, expected="ok")
    finally:
        await first.aclose()
        await second.aclose()
    assert result.status_id == Status.ACCEPTED, result.message
