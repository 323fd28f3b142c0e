"""A killed `ecco eval --unpaired` resumes where it stopped: no duplicate results, the same final table (the
paired evaluation's resumption: tests/cli/test_eval_paired.py).

The kill never races the programs' speed: the eval runs against a loopback Judge0 (real wire format) that holds
one slow input "Processing" until the test releases it, so the first eval cannot finish before it is killed,
and the test kills it only once a batch of results is committed (rows appear in the store, which the eval
leaves free between its writes).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ecco_tui.ingest.outputs import import_outputs
from ecco_tui.ingest.release import import_release
from ecco_tui.store.store import Store
from tests.engines.judge0_replay_server import SubmissionView, start_replay_server
from tests.factories import write_records

BUSY = "import sys\nn = int(input())\nt = 0\nfor i in range({loops}):\n    t += i % 7\nprint(n * (n + 1) // 2)\n"
SLOW = BUSY.format(loops=2_000_000)
FAST = "n = int(input())\nprint(n * (n + 1) // 2)\n"
WRONG = "n = int(input())\nprint(n * n)\n"


def _release(root: Path) -> Path:
    rows = [{"problem_id": "p90001", "input": SLOW, "target": FAST},
            {"problem_id": "p90001", "input": SLOW.replace("t += i % 7", "t += i % 5"), "target": FAST}]
    write_records(root / "edit" / "test.jsonl", rows)
    for k, n in enumerate((3, 10, 100, 7)):
        folder = root / "test_cases" / "p90001"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"input.{k}.txt").write_text(f"{n}\n")
        (folder / f"output.{k}.txt").write_text(f"{n * (n + 1) // 2}\n")
    return root


def _outputs(path: Path) -> Path:
    recs = []
    for slow, code in ((SLOW, FAST), (SLOW.replace("t += i % 7", "t += i % 5"), WRONG)):
        recs.append({"problem_id": "p90001", "input": slow, "target": FAST, "prompt": "p",
                     "full_generations": [f"```python\n{code}```"], "generated_codes": ["\n" + code]})
    return write_records(path / "edit_m_instruct_nrowsNone_samples1.jsonl", recs)


@pytest.fixture
def eval_store(tmp_path: Path) -> Path:
    db = tmp_path / "eval.duckdb"
    with Store.open(db) as store:
        import_release(store, [_release(tmp_path / "release")])
        import_outputs(store, _outputs(tmp_path), run_id="r")
    return db


@dataclass(frozen=True)
class GatedJudge0:
    """A loopback Judge0 that keeps the slow input (``t += i % 7``) processing until ``release`` is set."""

    url: str
    release: threading.Event


@pytest.fixture
def judge0(eval_store: Path) -> Iterator[GatedJudge0]:
    release = threading.Event()

    def hold(view: SubmissionView) -> threading.Event | None:
        return release if "i % 7" in view.source_code else None

    url, _state, stop = start_replay_server(hold=hold, workers=16)
    try:
        yield GatedJudge0(url, release)
    finally:
        release.set()
        stop()


def _eval(db: Path, judge0_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.Popen(
        [sys.executable, "-m", "ecco_tui", "eval", "--run", "r", "--db", str(db), "--format", "json",
         "--engine", "judge0", "--judge0-url", judge0_url, "--unpaired"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def _executions(db: Path) -> list[tuple]:
    with Store.open(db, read_only=True) as store, store.session():
        cur = store._cursor()
        return cur.execute("SELECT code_sha256, visibility, test_idx, repeat_idx, status_id FROM executions").fetchall()


def _wait_for_first_commit(db: Path, proc: subprocess.Popen[str]) -> None:
    """Wait until the eval's first results are committed: rows appear in the store (read between the eval's
    own short writes; each look holds the file for a moment, the eval waits for it if it must)."""
    deadline = time.monotonic() + 60
    while not _executions(db):
        assert proc.poll() is None, f"the eval ended before storing anything: {proc.communicate()[1]}"
        assert time.monotonic() < deadline, "the eval stored nothing within 60 s"
        time.sleep(0.02)


def _kill_midway(db: Path, judge0: GatedJudge0, sig: int) -> None:
    proc = _eval(db, judge0.url)
    _wait_for_first_commit(db, proc)
    proc.send_signal(sig)
    proc.communicate(timeout=60)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_killed_eval_resumes_without_duplicates(eval_store: Path, judge0: GatedJudge0, sig: int) -> None:
    _kill_midway(eval_store, judge0, sig)
    partial = _executions(eval_store)
    assert 0 < len(partial) <= 12  # the held input's 4 tests cannot have run
    judge0.release.set()
    proc = _eval(eval_store, judge0.url)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    final = _executions(eval_store)
    # 4 programs (two slow inputs, the FAST and the WRONG output) × 4 tests.
    assert len(final) == 16
    assert len({row[:4] for row in final}) == 16
    assert set(partial) <= set(final)
    (line,) = json.loads(out)
    assert line["pass_at_1"] == pytest.approx(50.0)
    assert line["outcomes"]["correct-optimization"] == 1
    assert line["outcomes"]["spurious-optimization"] == 1
    with Store.open(eval_store, read_only=True) as store:  # the browser's cached verdicts are fresh too
        assert sorted(v.outcome for v in store.verdicts(run_id="r")) == [
            "correct-optimization", "spurious-optimization"]


def test_sigint_says_how_to_resume(eval_store: Path, judge0: GatedJudge0) -> None:
    proc = _eval(eval_store, judge0.url)
    _wait_for_first_commit(eval_store, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "run the same command to resume" in err
