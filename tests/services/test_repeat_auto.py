"""`ecco eval --repeat auto`: repeat a pair's input and output until its speedup interval is within ±5% of its
point or 15 samples per test, storing every sample and counting the ones already stored."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecco_tui.cli.main import app
from ecco_tui.engines.base import EngineInfo, Limits, TestCase, TestResult, code_sha256
from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.services import evaluation
from ecco_tui.store.store import Store
from tests.factories import EDIT_ROWS, FAST_MAX, FAST_SUM, SLOW_MAX, SLOW_SUM, edit_output_record, write_records

LIMITS = Limits(cpu_time_s=2, wall_time_s=5, memory_kb=256_000)
BASE = {SLOW_SUM: 0.2, FAST_SUM: 0.1, SLOW_MAX: 0.2, FAST_MAX: 0.1}
QUIET = dict.fromkeys(BASE, 0.001)
NOISY_MAX = QUIET | {SLOW_MAX: 0.3, FAST_MAX: 0.3}  # p90002's pair never gets within ±5%
TESTS = {"p90001": 3, "p90002": 2}  # private tests


class NoisyEngine:
    """Every test Accepted; CPU time = the program's base time × a log-normal factor, seeded per (program,
    test, n-th run of that program), so the same sequence of requests always gives the same values."""

    def __init__(self, cv: dict[str, float]) -> None:
        self.cv = {code_sha256(code): v for code, v in cv.items()}
        self.base = {code_sha256(code): v for code, v in BASE.items()}
        self.runs: Counter[str] = Counter()

    async def info(self) -> EngineInfo:
        return EngineInfo("fake", "fake-1", "Python (fake)")

    async def run(self, program: str, tests: Sequence[TestCase], limits: Limits | None = None, *,
                  repeat: int = 1) -> AsyncIterator[TestResult]:
        sha = code_sha256(program)
        for r in range(repeat):
            for test in tests:
                self.runs[sha] += 1
                rng = random.Random(f"{sha}|{test.label}|{self.runs[sha]}")
                cpu = self.base[sha] * math.exp(rng.gauss(0.0, self.cv[sha]))
                yield TestResult(test, 3, "Accepted", cpu, cpu, 9000, stdout=test.expected_output or "",
                                 repeat_index=r)

    async def aclose(self) -> None:
        pass


@pytest.fixture
def run_store(store: Store, tiny_release: Path, tmp_path: Path) -> Store:
    import_release(store, [tiny_release])
    rows = [edit_output_record(r, c) for r, c in zip(EDIT_ROWS["test"], [FAST_SUM, FAST_MAX], strict=True)]
    import_outputs(store, write_records(tmp_path / "edit_good_instruct_nrowsNone_samples1.jsonl", rows),
                   run_id="good")
    return store


def _samples(store: Store) -> dict[str, int]:
    """Samples per test of each program (the same on every test here)."""
    found = {}
    for code, problem in ((SLOW_SUM, "p90001"), (FAST_SUM, "p90001"), (SLOW_MAX, "p90002"), (FAST_MAX, "p90002")):
        per_test = Counter(e.test_idx for e in store.latest_executions([code_sha256(code)], visibility="private"))
        assert len(set(per_test.values())) == 1, per_test
        assert len(per_test) == TESTS[problem]
        found[code] = next(iter(per_test.values()))
    return found


async def _auto(store: Store, engine: NoisyEngine, **kw: object) -> evaluation.AutoResult:
    return await evaluation.evaluate_auto(store, engine, "good", LIMITS, **kw)  # type: ignore[arg-type]


async def test_quiet_pairs_stop_after_the_first_three_samples(run_store: Store) -> None:
    result = await _auto(run_store, NoisyEngine(QUIET))
    assert (result.rounds, result.pairs, result.narrow, result.capped) == (1, 2, 2, 0)
    assert result.stats.executed == 3 * 2 * (3 + 2)
    assert _samples(run_store) == dict.fromkeys(BASE, 3)


async def test_a_noisy_pair_is_repeated_up_to_fifteen_samples_and_only_it(run_store: Store) -> None:
    result = await _auto(run_store, NoisyEngine(NOISY_MAX))
    assert (result.narrow, result.capped, result.no_interval) == (1, 1, 0)
    assert result.rounds == 5  # 3 → 5 → 8 → 12 → 15 samples
    assert _samples(run_store) == {SLOW_SUM: 3, FAST_SUM: 3, SLOW_MAX: 15, FAST_MAX: 15}
    assert result.stats.executed == 3 * 2 * 3 + 15 * 2 * 2


async def test_samples_already_stored_count(run_store: Store) -> None:
    engine = NoisyEngine(NOISY_MAX)
    info = await engine.info()
    plan = evaluation.plan_evaluation(run_store, evaluation.run_programs(run_store, "good"), info, LIMITS,
                                      run_id="good", repeat=5)
    await evaluation.execute_plan(run_store, engine, plan, LIMITS)
    result = await _auto(run_store, engine)
    # The quiet pair is done with the 5 it has; the noisy one goes from 5 to 15.
    assert result.stats.executed == (15 - 5) * 2 * 2
    assert result.stats.cached >= 3 * 2 * (3 + 2)
    assert _samples(run_store) == {SLOW_SUM: 5, FAST_SUM: 5, SLOW_MAX: 15, FAST_MAX: 15}


async def test_a_second_auto_evaluation_runs_nothing(run_store: Store) -> None:
    engine = NoisyEngine(NOISY_MAX)
    await _auto(run_store, engine)
    again = await _auto(run_store, engine)
    assert again.stats.executed == 0
    assert (again.narrow, again.capped) == (1, 1)


async def test_force_measures_again_and_counts_only_the_new_samples(run_store: Store) -> None:
    engine = NoisyEngine(QUIET)
    info = await engine.info()
    plan = evaluation.plan_evaluation(run_store, evaluation.run_programs(run_store, "good"), info, LIMITS,
                                      run_id="good", repeat=5)
    await evaluation.execute_plan(run_store, engine, plan, LIMITS)
    result = await _auto(run_store, engine, force=True)
    assert result.stats.executed == 3 * 2 * (3 + 2)
    assert set(result.samples.values()) == {3}


def test_next_sample_counts_grow_by_half_and_stop_at_the_cap() -> None:
    counts, n = [], 3
    while n < 15:
        n = evaluation.next_sample_count(n)
        counts.append(n)
    assert counts == [5, 8, 12, 15]
    assert evaluation.next_sample_count(1) == 3


@pytest.mark.parametrize(("text", "value"), [("auto", None), ("AUTO", None), ("1", 1), ("20", 20)])
def test_repeat_accepts_a_count_or_auto(text: str, value: int | None) -> None:
    assert evaluation.parse_repeat(text) == value


@pytest.mark.parametrize("text", ["0", "21", "x", ""])
def test_repeat_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="--repeat"):
        evaluation.parse_repeat(text)


def test_cli_repeat_auto_on_the_local_engine(run_store: Store, store_path: Path) -> None:
    run_store.close()
    args = ["eval", "--run", "good", "--db", str(store_path), "--engine", "local", "--repeat", "auto",
            "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "repeat auto: 2 pairs" in " ".join(result.stderr.split())
    with Store.open(store_path, read_only=True) as store:
        for count in _samples(store).values():
            assert 3 <= count <= 15
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0
    assert "good: 4 programs, 0 test runs executed" in again.stderr
