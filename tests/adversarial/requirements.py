"""Skip-or-fail policy for tools the sandbox tests need: skip on a developer machine, fail in CI."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _missing(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


@functools.cache
def _bwrap_problem() -> str | None:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bwrap is not installed"
    probe = [bwrap, "--unshare-all", "--unshare-user", "--ro-bind", "/", "/", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bwrap does not run: {exc}"
    if done.returncode != 0:
        return f"bwrap does not work here: {done.stderr.decode(errors='replace').strip()}"
    return None


def require_bwrap() -> None:
    problem = _bwrap_problem()
    if problem is not None:
        _missing(problem)


def require_valgrind() -> None:
    if shutil.which("valgrind") is None:
        _missing("valgrind is not installed")
