"""LocalEngine: Judge0-compatible statuses, isolate-like measurement, containment, and the protocol surface."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import stat
import sys
import time
from pathlib import Path

import pytest

import ecco_tui
from ecco_tui.engines.base import Engine, EngineError, Limits, Status, TestCase, TestResult
from ecco_tui.engines.local import LocalEngine, RawRun, classify, median_of, resolve_interpreter
from tests.adversarial.procscan import (
    descendants,
    processes_with_marker,
    snapshot,
    wait_until_clean,
    wait_until_gone,
)
from tests.adversarial.requirements import require_bwrap, require_valgrind

LIMITS = Limits(cpu_time_s=1.0, cpu_extra_time_s=0.5, wall_time_s=3.0, memory_kb=256_000)


def case(test_input: str = "", expected: str | None = None, index: int = 0) -> TestCase:
    return TestCase(problem_id="p", visibility="public", index=index, input=test_input,
                    expected_output=expected)


async def run_all(engine: LocalEngine, program: str, tests: list[TestCase], limits: Limits = LIMITS,
                  repeat: int = 1) -> list[TestResult]:
    async with contextlib.aclosing(engine.run(program, tests, limits, repeat=repeat)) as results:
        return [r async for r in results]


async def run_one(engine: LocalEngine, program: str, test: TestCase | None = None,
                  limits: Limits = LIMITS) -> TestResult:
    (result,) = await run_all(engine, program, [test or case()], limits)
    return result


def sleeper(marker: str) -> str:
    """A program that becomes a long sleep whose command line carries ``marker`` (findable in /proc)."""
    argv = f"[sys.executable, '-c', 'import time; time.sleep(60)', '{marker}']"
    return f"import os, sys\nos.execv(sys.executable, {argv})\n"


@pytest.fixture
async def engine():
    require_bwrap()
    eng = LocalEngine(use_bwrap=True)
    yield eng
    await eng.aclose()


@pytest.fixture
async def rlimit_engine():
    eng = LocalEngine(use_bwrap=False)
    yield eng
    await eng.aclose()


# ------------------------------------------------------------------------------------------ interpreter


def test_default_interpreter_is_a_real_binary_not_a_script():
    path = resolve_interpreter()
    assert os.path.isabs(path)
    assert Path(path).read_bytes()[:4] == b"\x7fELF"


def test_shell_shim_is_resolved_to_the_binary_it_runs(tmp_path):
    real = resolve_interpreter()
    shim = tmp_path / "python3"
    shim.write_text(f'#!/bin/sh\nexec "{real}" "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    assert resolve_interpreter(str(shim)) == real


def test_script_that_does_not_resolve_to_a_binary_is_refused(tmp_path):
    shim = tmp_path / "python3"
    shim.write_text(f"#!/bin/sh\necho {tmp_path}\n")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    with pytest.raises(EngineError):
        resolve_interpreter(str(shim))


# --------------------------------------------------------------------------------------------- protocol


async def test_local_engine_satisfies_the_engine_protocol(rlimit_engine):
    assert isinstance(rlimit_engine, Engine)


async def test_info_names_engine_version_and_interpreter(engine):
    info = await engine.info()
    assert info.name == "local"
    assert info.version.startswith(f"local-{ecco_tui.__version__}+bwrap+")
    assert info.language == "Python ({}.{}.{})".format(*sys.version_info[:3])


async def test_engine_version_names_the_interpreter_so_the_cache_never_mixes_pythons(engine):
    info = await engine.info()
    version = "{}.{}.{}".format(*sys.version_info[:3])
    assert info.version.endswith(f"/python-{version}@{engine.python}")


async def test_engine_version_differs_without_the_sandbox(rlimit_engine):
    info = await rlimit_engine.info()
    assert info.version.startswith(f"local-{ecco_tui.__version__}+rlimit+")


async def test_auto_mode_falls_back_to_rlimits_when_bwrap_is_broken():
    eng = LocalEngine(bwrap="/bin/false")
    try:
        info = await eng.info()
    finally:
        await eng.aclose()
    assert "+rlimit+" in info.version
    assert "fallback_reason" in info.details


async def test_requiring_bwrap_that_does_not_work_raises_engine_error():
    eng = LocalEngine(use_bwrap=True, bwrap="/bin/false")
    try:
        with pytest.raises(EngineError):
            await eng.info()
    finally:
        await eng.aclose()


async def test_closed_engine_refuses_to_run(rlimit_engine):
    await rlimit_engine.aclose()
    with pytest.raises(EngineError):
        await run_one(rlimit_engine, "pass")


# ---------------------------------------------------------------------------------------------- verdicts


async def test_matching_output_is_accepted(engine):
    result = await run_one(engine, "print(int(input()) * 2)", case("21\n", "42"))
    assert (result.status_id, result.stdout, result.exit_code) == (Status.ACCEPTED, "42\n", 0)


async def test_different_output_is_wrong_answer(engine):
    result = await run_one(engine, "print(41)", case("", "42"))
    assert result.status_id == Status.WRONG_ANSWER


async def test_trailing_whitespace_is_ignored_like_judge0(engine):
    result = await run_one(engine, "print('a  ')\nprint()\nprint()", case("", "a"))
    assert result.status_id == Status.ACCEPTED


async def test_missing_expected_output_accepts_any_successful_run(engine):
    result = await run_one(engine, "print('anything')", case("", None))
    assert result.status_id == Status.ACCEPTED


async def test_nonzero_exit_is_nzec_with_the_exit_code(engine):
    result = await run_one(engine, "raise SystemExit(3)")
    assert (result.status_id, result.exit_code, result.exit_signal) == (Status.RUNTIME_ERROR_NZEC, 3, None)


async def test_syntax_error_is_nzec_with_exit_code_1(engine):
    result = await run_one(engine, "def f(:\n  pass\n")
    assert (result.status_id, result.exit_code) == (Status.RUNTIME_ERROR_NZEC, 1)
    assert "SyntaxError" in result.stderr


async def test_segfault_is_nzec_139_like_judge0_under_bash(engine):
    result = await run_one(engine, "import ctypes\nctypes.string_at(0)")
    assert (result.status_id, result.exit_code, result.exit_signal) == (Status.RUNTIME_ERROR_NZEC, 139, 11)


async def test_busy_loop_is_time_limit_exceeded_by_cpu(engine):
    limits = Limits(cpu_time_s=0.5, cpu_extra_time_s=0.5, wall_time_s=5.0)
    result = await run_one(engine, "while True: pass", limits=limits)
    assert result.status_id == Status.TIME_LIMIT_EXCEEDED
    assert result.cpu_time_s is not None and result.cpu_time_s >= 0.5


async def test_cpu_over_the_limit_is_tle_even_when_finished_within_the_extra_time(engine):
    limits = Limits(cpu_time_s=0.2, cpu_extra_time_s=1.0, wall_time_s=5.0)
    program = "import time\nwhile time.process_time() < 0.4: pass\nprint('done')"
    result = await run_one(engine, program, case("", "done"), limits)
    assert result.status_id == Status.TIME_LIMIT_EXCEEDED


async def test_sleeping_program_is_time_limit_exceeded_by_wall_clock(engine):
    limits = Limits(cpu_time_s=1.0, wall_time_s=1.0)
    started = time.monotonic()
    result = await run_one(engine, "import time\ntime.sleep(60)", limits=limits)
    assert result.status_id == Status.TIME_LIMIT_EXCEEDED
    assert time.monotonic() - started < 5


async def test_memory_bomb_is_a_runtime_error(engine):
    result = await run_one(engine, "x = bytearray(10**9)")
    assert result.status_id == Status.RUNTIME_ERROR_NZEC
    assert "MemoryError" in result.stderr


async def test_python_starts_under_the_default_512000_kb_memory_limit(engine):
    result = await run_one(engine, "print('ok')", case("", "ok"), Limits(memory_kb=512_000))
    assert result.status_id == Status.ACCEPTED


async def test_memory_limit_too_small_for_python_is_a_runtime_error_not_a_crash(engine):
    result = await run_one(engine, "print('ok')", case("", "ok"), Limits(memory_kb=4_000))
    assert result.status_id == Status.RUNTIME_ERROR_NZEC
    follow_up = await run_one(engine, "print('ok')", case("", "ok"))
    assert follow_up.status_id == Status.ACCEPTED


async def test_file_size_limit_stops_a_large_file(engine):
    program = (
        "try:\n"
        "    open('big.bin', 'wb').write(b'0' * 3_000_000)\n"
        "except OSError as e:\n"
        "    print(e.errno)\n"
    )
    result = await run_one(engine, program, limits=Limits(max_file_size_kb=1024))
    assert result.stdout.strip() == "27"  # EFBIG


# ------------------------------------------------------------------------------------------------ output


async def test_endless_output_is_capped_and_the_run_finishes(engine):
    limits = Limits(cpu_time_s=1.0, wall_time_s=3.0, output_cap_bytes=65_536)
    result = await run_one(engine, "while True: print('y' * 1000)", limits=limits)
    assert len(result.stdout) == 65_536
    assert result.status_id == Status.RUNTIME_ERROR_NZEC
    assert "exceeded 65536 bytes" in (result.message or "")


async def test_finite_output_over_the_cap_is_not_accepted(engine):
    limits = Limits(output_cap_bytes=1000)
    result = await run_one(engine, "print('z' * 5000)", case("", "z" * 5000), limits)
    assert result.status_id == Status.RUNTIME_ERROR_NZEC


async def test_non_utf8_output_is_decoded_with_replacement(engine):
    program = "import sys\nsys.stdout.buffer.write(b'\\xff ok\\n')"
    result = await run_one(engine, program, case("", "\ufffd ok"))
    assert result.status_id == Status.ACCEPTED


async def test_stderr_is_captured_separately(engine):
    result = await run_one(engine, "import sys\nprint('out')\nprint('err', file=sys.stderr)")
    assert (result.stdout, result.stderr) == ("out\n", "err\n")


# ------------------------------------------------------------------------------------------------- stdin


async def test_program_reads_the_test_input_on_stdin(engine):
    result = await run_one(engine, "import sys\nprint(sys.stdin.read()[::-1])", case("abc", "cba"))
    assert result.status_id == Status.ACCEPTED


async def test_reading_past_end_of_input_raises_eoferror_not_a_hang(engine):
    result = await run_one(engine, "while True: input()", case("1\n"))
    assert (result.status_id, result.exit_code) == (Status.RUNTIME_ERROR_NZEC, 1)
    assert "EOFError" in result.stderr


# ----------------------------------------------------------------------------------------- environment


async def test_program_environment_is_minimal_and_fixed(engine):
    program = "import os\nprint(sorted(k for k in os.environ if k != 'LC_CTYPE'))"
    result = await run_one(engine, program)
    expected = ["HOME", "LANG", "PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONIOENCODING"]
    assert result.stdout.strip() == str(expected)


async def test_program_runs_in_a_private_tmp_that_is_also_home(engine):
    result = await run_one(engine, "import os\nprint(os.getcwd(), os.environ['HOME'], os.listdir('.'))")
    assert result.stdout.strip() == "/tmp /tmp []"


async def test_sandbox_hides_home_directories(engine):
    program = (
        "import os\n"
        "print(os.path.exists('/home'), os.path.exists(os.path.expanduser('~root/.bash_history')))\n"
    )
    result = await run_one(engine, program)
    assert result.stdout.strip() == "False False"


async def test_sandbox_has_no_network(engine):
    program = "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=2)"
    result = await run_one(engine, program)
    assert result.status_id == Status.RUNTIME_ERROR_NZEC
    assert "unreachable" in result.stderr.lower()


async def test_files_written_by_one_test_are_not_seen_by_the_next(engine):
    program = (
        "import os\n"
        "seen = os.path.exists('/tmp/leak') or os.path.exists('/dev/shm/leak')\n"
        "open('/tmp/leak', 'w').write('x')\n"
        "open('/dev/shm/leak', 'w').write('x')\n"
        "print('leaked' if seen else 'clean')\n"
    )
    eng = LocalEngine(use_bwrap=True, concurrency=1)
    try:
        results = await run_all(eng, program, [case("", "clean", i) for i in range(3)])
    finally:
        await eng.aclose()
    assert [r.status_id for r in results] == [Status.ACCEPTED] * 3


# ---------------------------------------------------------------------------------------------- containment


async def test_fork_bomb_is_contained_and_leaves_no_process(engine):
    marker = "ecco-test-fork-bomb"
    program = (
        "import os, sys\n"
        "if os.fork() == 0:\n"
        f"    os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(60)', '{marker}'])\n"
        "while True:\n"
        "    try:\n"
        "        os.fork()\n"
        "    except OSError:\n"
        "        pass\n"
    )
    result = await run_one(engine, program)
    assert result.status_id in (Status.RUNTIME_ERROR_NZEC, Status.TIME_LIMIT_EXCEEDED)
    assert wait_until_gone((marker,)) == []


async def test_fork_bomb_never_takes_more_than_the_pids_ceiling(engine):
    """Where the kernel's pids controller is ours to use (root, cgroup v1: CI and Judge0-like hosts), a fork
    bomb is capped by the kernel, not only by the 25 ms watchdog: the machine keeps free pids."""
    from ecco_tui.engines.cgroups import PIDS_CEILING, group_parent

    parent = group_parent("pids")
    if parent is None:
        # Not an error: on cgroup-v2-only or unprivileged machines the watchdog alone contains fork bombs.
        pytest.skip("the pids cgroup hierarchy is not writable here")
    program = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    result = await run_one(engine, program)
    assert result.status_id in (Status.RUNTIME_ERROR_NZEC, Status.TIME_LIMIT_EXCEEDED)
    peaks = [int((g / "pids.peak").read_text()) for g in parent.iterdir()
             if g.is_dir() and g.name.startswith(f"{os.getpid()}-") and (g / "pids.peak").exists()]
    assert peaks and max(peaks) <= PIDS_CEILING


async def test_daemonised_grandchild_does_not_outlive_the_test(engine):
    marker = "ecco-test-daemon"
    program = (
        "import os, sys\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(60)', '{marker}'])\n"
        "    os._exit(0)\n"
        "print('ok')\n"
    )
    result = await run_one(engine, program, case("", "ok"))
    assert result.status_id == Status.ACCEPTED
    assert wait_until_gone((marker,)) == []


async def test_killing_the_launcher_is_a_runtime_error_and_the_engine_recovers(engine):
    result = await run_one(engine, "import os, time\nos.kill(os.getppid(), 9)\ntime.sleep(1)")
    assert result.status_id == Status.RUNTIME_ERROR_OTHER
    assert result.exit_signal == signal.SIGKILL
    follow_up = await run_one(engine, "print('ok')", case("", "ok"))
    assert follow_up.status_id == Status.ACCEPTED


async def test_a_sandbox_killed_between_tests_is_replaced_transparently():
    require_bwrap()
    eng = LocalEngine(use_bwrap=True, concurrency=1)
    try:
        first = await run_one(eng, "print('ok')", case("", "ok"))
        launchers = [pid for pid, cmd in descendants() if "launcher.py" in cmd]
        for pid in launchers:
            with contextlib.suppress(ProcessLookupError):  # a launcher that exited since the listing
                os.kill(pid, signal.SIGKILL)
        second = await run_one(eng, "print('ok')", case("", "ok"))
    finally:
        await eng.aclose()
    assert launchers
    assert (first.status_id, second.status_id) == (Status.ACCEPTED, Status.ACCEPTED)


async def _consume_while_closing(marker: str) -> tuple[asyncio.Task[list[TestResult]], set[int]]:
    """Start a long run, wait until its program is up, then aclose() the engine under it."""
    require_bwrap()
    baseline = snapshot()
    eng = LocalEngine(use_bwrap=True)
    task = asyncio.create_task(run_all(eng, sleeper(marker), [case()], Limits(wall_time_s=30)))
    for _ in range(100):
        if processes_with_marker(marker):
            break
        await asyncio.sleep(0.05)
    await eng.aclose()
    return task, baseline


async def test_aclose_kills_running_programs():
    marker = "ecco-test-aclose-kill"
    task, baseline = await _consume_while_closing(marker)
    with contextlib.suppress(EngineError):
        await task
    assert wait_until_clean((marker,), baseline=baseline) == []


async def test_aclose_wakes_a_waiting_consumer_with_engine_error():
    task, _ = await _consume_while_closing("ecco-test-aclose-wake")
    with pytest.raises(EngineError):
        await asyncio.wait_for(task, timeout=5)


async def test_abandoning_the_result_stream_kills_the_remaining_executions(engine):
    marker = "ecco-test-abandon"
    program = sleeper(marker)
    fast_first = "import sys\nif sys.stdin.read() == 'fast':\n    print('done')\n    raise SystemExit\n" + program
    async with contextlib.aclosing(engine.run(fast_first, [case("fast"), case("slow", None, 1)],
                                              Limits(wall_time_s=30))) as results:
        async for _ in results:
            break
    assert wait_until_gone((marker,)) == []


# --------------------------------------------------------------------------------------------- measurement


@pytest.mark.parametrize("sandboxed", [True, False], ids=["bwrap", "rlimit"])
async def test_max_rss_of_pass_is_the_interpreters_own_even_when_the_app_holds_200mb(sandboxed):
    if sandboxed:
        require_bwrap()
    ballast = bytearray(b"\x01") * (200 << 20)  # resident, not just reserved
    eng = LocalEngine(use_bwrap=sandboxed)
    try:
        result = await run_one(eng, "pass")
    finally:
        await eng.aclose()
    assert ballast[-1] == 1
    assert result.memory_kb is not None and 5_000 <= result.memory_kb <= 25_000


async def test_cpu_time_of_a_50ms_busy_loop_is_measured(engine):
    result = await run_one(engine, "import time\nwhile time.process_time() < 0.05: pass")
    assert result.cpu_time_s is not None and 0.030 <= result.cpu_time_s <= 0.200


async def test_memory_of_a_large_allocation_is_reported(engine):
    result = await run_one(engine, "x = bytearray(b'1') * (50 << 20)")
    assert result.memory_kb is not None and result.memory_kb >= 50 * 1024


# ------------------------------------------------------------------------------------------- scheduling


async def test_results_are_yielded_in_completion_order():
    require_bwrap()
    program = "import time\nn = float(input())\ntime.sleep(n)\nprint(n)"
    eng = LocalEngine(use_bwrap=True, concurrency=2)
    try:
        results = await run_all(eng, program, [case("1.0", None, 0), case("0", None, 1)])
    finally:
        await eng.aclose()
    assert [r.test.index for r in results] == [1, 0]


async def test_repeat_yields_every_repeat_with_its_index(engine):
    results = await run_all(engine, "print(1)", [case("", "1", 0), case("", "1", 1)], repeat=3)
    pairs = sorted((r.test.index, r.repeat_index) for r in results)
    assert pairs == [(i, k) for i in range(2) for k in range(3)]


async def test_concurrency_bounds_executions_in_flight():
    require_bwrap()
    eng = LocalEngine(use_bwrap=True, concurrency=1)
    started = time.monotonic()
    try:
        await run_all(eng, "import time\ntime.sleep(0.3)", [case("", None, i) for i in range(3)])
    finally:
        await eng.aclose()
    assert time.monotonic() - started >= 0.9


async def test_fresh_sandbox_per_test_mode_gives_the_same_verdicts():
    require_bwrap()
    eng = LocalEngine(use_bwrap=True, reuse_sandbox=False)
    try:
        results = await run_all(eng, "print(input())", [case(str(i), str(i), i) for i in range(3)])
    finally:
        await eng.aclose()
    assert [r.status_id for r in results] == [Status.ACCEPTED] * 3


async def test_rlimit_mode_runs_and_measures_programs(rlimit_engine):
    result = await run_one(rlimit_engine, "print(input())", case("hi", "hi"))
    assert result.status_id == Status.ACCEPTED
    assert result.cpu_time_s is not None and result.memory_kb is not None


async def test_rlimit_mode_enforces_the_wall_limit(rlimit_engine):
    result = await run_one(rlimit_engine, "import time\ntime.sleep(60)", limits=Limits(wall_time_s=1.0))
    assert result.status_id == Status.TIME_LIMIT_EXCEEDED


# ------------------------------------------------------------------------------------ instruction counts


@pytest.mark.slow
async def test_instruction_count_is_identical_over_three_runs():
    require_bwrap()
    require_valgrind()
    python = "/usr/bin/python3.11" if os.path.exists("/usr/bin/python3.11") else None  # faster under valgrind
    eng = LocalEngine(python, use_bwrap=True, count_instructions=True, concurrency=1)
    try:
        counts = [
            (await run_one(eng, "print(sum(range(10**5)))", case("", "4999950000"))).instructions
            for _ in range(3)
        ]
    finally:
        await eng.aclose()
    assert counts[0] is not None and counts[0] > 1_000_000
    assert len(set(counts)) == 1


async def test_counting_instructions_without_valgrind_raises_engine_error(tmp_path):
    eng = LocalEngine(use_bwrap=False, count_instructions=True, valgrind=str(tmp_path / "none"))
    try:
        with pytest.raises(EngineError):
            await eng.info()
    finally:
        await eng.aclose()


# ------------------------------------------------------------------------------------- pure status mapping


def _done(**kw) -> dict:
    base = {"event": "done", "exit_code": 0, "signal": None, "cpu_s": 0.01, "wall_s": 0.02,
            "maxrss_kb": 8000, "killed": None, "dirty": False}
    return {**base, **kw}


def test_sigxcpu_maps_to_time_limit_exceeded():
    raw = RawRun(done=_done(exit_code=None, signal=signal.SIGXCPU, cpu_s=2.0))
    assert classify(raw, case(), LIMITS).status_id == Status.TIME_LIMIT_EXCEEDED


def test_process_limit_kill_maps_to_nzec_137():
    raw = RawRun(done=_done(exit_code=None, signal=signal.SIGKILL, killed="procs"))
    result = classify(raw, case(), LIMITS)
    assert (result.status_id, result.exit_code) == (Status.RUNTIME_ERROR_NZEC, 137)


def test_launcher_error_maps_to_internal_error():
    raw = RawRun(error="exec failed: FileNotFoundError")
    result = classify(raw, case(), LIMITS)
    assert result.status_id == Status.INTERNAL_ERROR
    assert "exec failed" in (result.message or "")


def test_sandbox_that_never_started_maps_to_internal_error():
    raw = RawRun(returncode=1, sandbox_log="bwrap: Can't mount proc")
    result = classify(raw, case(), LIMITS)
    assert result.status_id == Status.INTERNAL_ERROR
    assert "Can't mount proc" in (result.message or "")


def test_supervisor_killed_by_sigsegv_maps_like_isolate_sg():
    raw = RawRun(started_pid=3, returncode=128 + signal.SIGSEGV, sandboxed=True)
    assert classify(raw, case(), LIMITS).status_id == Status.RUNTIME_ERROR_SIGSEGV


# ------------------------------------------------------------------------------------------------- medians


def _result(cpu: float, status: Status = Status.ACCEPTED, k: int = 0, instructions: int | None = None):
    return TestResult(test=case(), status_id=int(status), status_description=status.description,
                      cpu_time_s=cpu, wall_time_s=cpu * 2, memory_kb=8000 + k, repeat_index=k,
                      instructions=instructions)


def test_median_of_takes_the_median_of_each_measurement():
    merged = median_of([_result(0.3, k=0), _result(0.1, k=1, instructions=5), _result(0.2, k=2)])
    assert (merged.cpu_time_s, merged.wall_time_s, merged.memory_kb) == (0.2, 0.4, 8001)
    assert merged.instructions == 5


def test_median_of_returns_the_failure_when_repeats_disagree():
    merged = median_of([_result(0.1, k=0), _result(5.0, Status.TIME_LIMIT_EXCEEDED, k=1)])
    assert merged.status_id == Status.TIME_LIMIT_EXCEEDED
    assert "differed" in (merged.message or "")


def test_only_groups_of_dead_processes_are_swept() -> None:
    """Two ecco processes (or two sandboxes of one) start at once: neither may remove the other's group
    before its sandbox has joined it."""
    import subprocess

    from ecco_tui.engines.cgroups import owner_is_gone

    dead = subprocess.Popen(["true"])
    dead.wait()
    assert owner_is_gone(f"{dead.pid}-sandbox-0")
    assert not owner_is_gone(f"{os.getpid()}-sandbox-1")
    assert not owner_is_gone("not-a-pid")
