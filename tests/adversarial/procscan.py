"""Proof that a run left nothing behind, by reading /proc directly (no psutil).

Two views, because each misses something the other sees: a process that daemonised (setsid + double fork)
is no longer our descendant but keeps its command line; a plain forked child keeps our ancestry but has an
ordinary command line.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PROC = Path("/proc")


def _pids() -> list[int]:
    return [int(p.name) for p in PROC.iterdir() if p.name.isdigit()]


def _cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _ppid(pid: int) -> int | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: fields start after the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[1])


def _is_zombie(pid: int) -> bool:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2 :].split()[0] in ("Z", "X")


def processes_with_marker(marker: str) -> list[tuple[int, str]]:
    """Live processes whose command line contains ``marker`` (ourselves excluded)."""
    me = os.getpid()
    found = []
    for pid in _pids():
        if pid == me or _is_zombie(pid):
            continue
        cmd = _cmdline(pid)
        if marker in cmd:
            found.append((pid, cmd))
    return found


def descendants(root: int | None = None) -> list[tuple[int, str]]:
    """Live descendants of ``root`` (default: this process)."""
    root = os.getpid() if root is None else root
    children: dict[int, list[int]] = {}
    for pid in _pids():
        ppid = _ppid(pid)
        if ppid is not None:
            children.setdefault(ppid, []).append(pid)
    out: list[tuple[int, str]] = []
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        if not _is_zombie(pid):
            out.append((pid, _cmdline(pid)))
        stack.extend(children.get(pid, []))
    return out


def snapshot() -> set[int]:
    """Our descendants right now, so that processes other fixtures started are not blamed on a test."""
    return {pid for pid, _ in descendants()}


def wait_until_clean(markers: tuple[str, ...] = (), *, baseline: set[int] | None = None,
                     timeout: float = 3.0) -> list[tuple[int, str]]:
    """Leftovers after ``timeout``: new descendants plus anything carrying a marker (killing is async)."""
    known = baseline or set()
    deadline = time.monotonic() + timeout
    while True:
        left = [(pid, cmd) for pid, cmd in descendants() if pid not in known]
        for marker in markers:
            left += processes_with_marker(marker)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)


def wait_until_gone(markers: tuple[str, ...], *, timeout: float = 3.0) -> list[tuple[int, str]]:
    """Processes still carrying any of ``markers`` after ``timeout`` (the engine may still be running)."""
    deadline = time.monotonic() + timeout
    while True:
        left = [hit for marker in markers for hit in processes_with_marker(marker)]
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)
