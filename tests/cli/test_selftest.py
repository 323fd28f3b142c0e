"""`ecco selftest` on the local engine: the untrusted-program suite answers as Judge0 does."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.adversarial.requirements import require_bwrap


def test_selftest_passes_on_the_local_engine() -> None:
    require_bwrap()
    proc = subprocess.run(
        [sys.executable, "-m", "ecco_tui", "selftest", "--engine", "local"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " 0 failed" in proc.stdout
    assert "fork_bomb" in proc.stdout and "infinite_loop" in proc.stdout
    # Work hidden in other processes is charged like honest work (whole-tree accounting).
    assert "whole-tree accounting" in proc.stdout
    for case in ("double_fork", "pool_of_4", "threads", "subprocess", "grandchild_memory"):
        assert case in proc.stdout


def test_engines_names_the_sandbox_and_how_cost_is_charged() -> None:
    require_bwrap()
    proc = subprocess.run(
        [sys.executable, "-m", "ecco_tui", "engines", "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    (local,) = json.loads(proc.stdout)
    assert local["engine"] == "local" and local["sandboxed"] is True
    mode = local["details"]["accounting"]
    assert f"+{mode}/" in local["version"] and local["accounting"].startswith(mode)


def test_selftest_without_a_judge0_url_says_how_to_give_one() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ecco_tui", "selftest", "--engine", "judge0"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1
    assert "no Judge0 URL" in proc.stderr
