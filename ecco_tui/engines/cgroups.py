"""Control groups of the local engine: whole-tree accounting (cpuacct + memory) and a pids ceiling per slot.

Why: a program's own rusage misses every process it hides work in. Judge0 runs isolate with ``--cg``: CPU
time is the control group's (every process and thread of the submission) and memory the group's peak, so
work done by a double-forked orphan or a ``multiprocessing`` pool is charged. Measured here: the same prime
count done by an orphaned grandchild read 0.021 s from the main process's rusage and 0.182 s from
``cpuacct.usage`` (0.172 s done honestly); 150 MB held by a grandchild read 8.3 MB from rusage and 171 MB
from ``memory.max_usage_in_bytes``.

Layout (cgroup v1, one hierarchy per controller, root may create groups)::

    /sys/fs/cgroup/pids/ecco-tui/<app pid>-<slot>       the whole sandbox (bwrap, launcher, program)
    /sys/fs/cgroup/cpuacct/ecco-tui/<app pid>-<slot>    the program's tree only
    /sys/fs/cgroup/memory/ecco-tui/<app pid>-<slot>     the program's tree only

The launcher is kept out of the accounting groups: the app opens the groups' control files and hands the
descriptors to the launcher, whose forked child writes ``0`` to ``cgroup.procs`` before it execs the
program, so the program and everything it ever starts are charged, and nothing else is. The groups are
reused per slot (reset before each test, emptied of page cache after it), so set-up costs a few writes.
Where no group can be made (not root, no v1 hierarchy), the engine uses the launcher as child subreaper
instead (see _launcher.py) and says so in its version.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CGROUP_V1",
    "PIDS_CEILING",
    "SUBREAPER",
    "AccountingGroups",
    "accounting_mode",
    "group_parent",
    "join_group",
    "make_accounting_groups",
    "make_group",
    "make_pids_group",
    "owner_is_gone",
]

CGROUP_ROOT = Path("/sys/fs/cgroup")
PARENT_NAME = "ecco-tui"

# Accounting modes: part of the local engine's version, so results measured one way never match another.
CGROUP_V1 = "cgroup-v1"
SUBREAPER = "subreaper"

# A hard ceiling on tasks per sandbox, from the kernel's pids controller where we may use it. The launcher's
# watchdog enforces each run's `max_processes` precisely but samples every 25 ms, and in that time a fork bomb
# can take every pid on the machine; the cgroup makes that impossible. Judge0's largest
# max_processes_and_or_threads is 120.
PIDS_CEILING = 128

# Descriptors handed to the launcher, in this order (``cg=`` option, comma-separated fd numbers).
ACCOUNTING_FILES: tuple[tuple[str, str, int], ...] = (
    ("cpuacct", "cgroup.procs", os.O_WRONLY),            # join: the child writes "0"
    ("memory", "cgroup.procs", os.O_WRONLY),             # join
    ("cpuacct", "cpuacct.usage", os.O_RDWR),             # tree CPU in ns; write 0 to reset
    ("memory", "memory.max_usage_in_bytes", os.O_RDWR),  # tree peak; write 0 to reset to the current usage
    ("memory", "memory.force_empty", os.O_WRONLY),       # reclaim the tree's page cache once it is gone
    ("cpuacct", "cgroup.procs", os.O_RDONLY),            # members, to kill them all without a pid namespace
    ("memory", "memory.limit_in_bytes", os.O_WRONLY),    # the tree's memory limit (Judge0's --cg-mem)
    ("memory", "memory.failcnt", os.O_RDWR),             # limit hits; write 0 to reset
    ("memory", "memory.usage_in_bytes", os.O_RDONLY),    # the charge left from earlier tests (page cache)
)


def _hierarchy(controller: str) -> Path | None:
    """The v1 hierarchy of `controller` when this process may create groups in it."""
    path = CGROUP_ROOT / controller
    if not (path / "cgroup.procs").exists() or not os.access(path, os.W_OK):
        return None
    return path


def owner_is_gone(group_name: str) -> bool:
    """Groups are named `<pid>-<slot>`. A live process's group may be empty only because its sandbox has not
    joined yet (another ecco process, or another slot of this one, starting at the same moment): removing it
    would make that sandbox's start fail. Only a dead owner's groups are litter."""
    owner = group_name.split("-", 1)[0]
    if not owner.isdigit():
        return False
    try:
        os.kill(int(owner), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def group_parent(controller: str) -> Path | None:
    """`<hierarchy>/ecco-tui` when this process may create groups of `controller` there, else None."""
    hierarchy = _hierarchy(controller)
    if hierarchy is None:
        return None
    parent = hierarchy / PARENT_NAME
    try:
        parent.mkdir(exist_ok=True)
    except OSError:
        return None
    return parent


def make_group(controller: str, name: str) -> Path | None:
    """`<hierarchy>/ecco-tui/<name>` (created, litter of dead owners swept), or None where not allowed."""
    parent = group_parent(controller)
    if parent is None:
        return None
    for stale in parent.iterdir():  # rmdir fails while tasks remain, so only empty groups go
        if stale.is_dir() and owner_is_gone(stale.name):
            with contextlib.suppress(OSError):
                stale.rmdir()
    group = parent / name
    try:
        group.mkdir(exist_ok=True)
    except OSError:
        return None
    return group


def remove_group(group: Path | None) -> None:
    if group is not None:
        with contextlib.suppress(OSError):
            group.rmdir()


def join_group(group: Path) -> Callable[[], None]:
    """A preexec_fn: the child joins the group before exec, so everything it ever forks is counted."""
    procs = str(group / "cgroup.procs")

    def join() -> None:
        fd = os.open(procs, os.O_WRONLY)
        try:
            os.write(fd, b"0")  # "0" = the writing process itself
        finally:
            os.close(fd)

    return join


def make_pids_group(name: str) -> Path | None:
    """The slot's pids group with the kernel ceiling, or None where pids groups are not ours to make."""
    group = make_group("pids", name)
    if group is None:
        return None
    try:
        (group / "pids.max").write_text(f"{PIDS_CEILING}\n")
    except OSError:
        remove_group(group)
        return None
    return group


@dataclass(slots=True)
class AccountingGroups:
    """One slot's cpuacct and memory groups and the open descriptors the launcher uses on them."""

    cpuacct: Path
    memory: Path
    fds: list[int]

    def close(self) -> None:
        """Close the descriptors and remove the groups (they are empty once the sandbox is gone)."""
        for fd in self.fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.fds = []
        remove_group(self.cpuacct)
        remove_group(self.memory)


def make_accounting_groups(name: str) -> AccountingGroups | None:
    """Create (or reuse) the slot's accounting groups and open their control files; None where not allowed."""
    cpuacct = make_group("cpuacct", name)
    memory = make_group("memory", name) if cpuacct is not None else None
    if cpuacct is None or memory is None:
        remove_group(cpuacct)
        return None
    groups = {"cpuacct": cpuacct, "memory": memory}
    fds: list[int] = []
    try:
        (memory / "memory.use_hierarchy").read_text()  # present on every v1 memory group: a sanity check
        for controller, filename, flags in ACCOUNTING_FILES:
            fds.append(os.open(groups[controller] / filename, flags | os.O_CLOEXEC))
    except OSError:
        for fd in fds:
            os.close(fd)
        remove_group(cpuacct)
        remove_group(memory)
        return None
    return AccountingGroups(cpuacct=cpuacct, memory=memory, fds=fds)


def accounting_mode() -> str:
    """The best whole-tree accounting this host allows this process: cgroup-v1, else subreaper."""
    probe = make_accounting_groups(f"{os.getpid()}-probe")
    if probe is None:
        return SUBREAPER
    probe.close()
    return CGROUP_V1
