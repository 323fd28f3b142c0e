"""The embedded local execution engine: runs untrusted Python programs per test and measures them like isolate.

Shape of one concurrency slot::

    app ──socket──> bwrap (optional) ──> python -I -S -B _launcher.py ──fork/exec per test──> python -B script.py
       <─pipes────  namespaces, ro fs    rlimits, wall/process watchdog,                   the program
                                         wait4 → rusage over a report pipe

Why a launcher (see /work/shared/measurement.md): CPU time and max RSS must be the program's own. The app
cannot get them (``wait4`` on bwrap misses the program's CPU; a child forked by the app inherits the app's
RSS high-water mark), so a small launcher inside the sandbox forks and execs the program and reports its
``rusage``. Why a persistent one per slot: starting bwrap plus a launcher interpreter per test costs about
twice a bare interpreter start; a launcher that stays up costs a fork. It never lets one test see another's
state: each test gets a fresh process tree, and the launcher reports the sandbox "dirty" (so the app throws
it away) whenever anything survives the end-of-test kill: files in /tmp or /dev/shm, changed permissions,
SysV IPC objects, processes. ``reuse_sandbox=False`` restarts the sandbox for every test instead.

Containment with bubblewrap (``bwrap``): ``--unshare-all --unshare-user --disable-userns --cap-drop ALL``
(no network, own pid/ipc/uts/user/cgroup namespaces, no capabilities, no nested user namespaces),
``--die-with-parent`` (the sandbox dies with the app), ``--new-session`` (no terminal injection),
read-only binds of /usr, the /bin and /lib* links, a few /etc files and the interpreter's prefix only (no
$HOME, /root or /home otherwise), ``--proc /proc``, ``--dev /dev`` remounted read-only, size-capped tmpfs on
/tmp (the cwd and HOME) and /dev/shm, and ``--remount-ro /`` so nothing else is writable.

Fork bombs: RLIMIT_NPROC is set, but the kernel ignores it for uid 0 (even inside a user namespace, uid 0
maps to the initial user), so the launcher also counts the processes (not threads) of its private pid namespace every
25 ms and ``kill(-1, SIGKILL)``s the namespace past ``max_processes``; the same kill ends every test, and if
the launcher itself dies bwrap's pid 1 exits and the kernel kills everything left in the namespace.

Without bwrap ("rlimit" mode) only rlimits and process-group kills apply: a program that calls ``setsid``
escapes, it can read and write whatever the user can, and it has the network. That mode exists for machines
without user namespaces and is visible in the engine version (``local-X+rlimit``).

Limits: rlimits are set in the forked child before exec in every mode: RLIMIT_CPU = ceil(cpu + extra) s (SIGXCPU,
then SIGKILL a second later), RLIMIT_AS = memory limit, RLIMIT_STACK, RLIMIT_FSIZE, RLIMIT_NPROC, RLIMIT_CORE = 0.
RLIMIT_AS counts address space, not resident memory as Judge0's cgroup does: glibc reserves RLIMIT_STACK per
new thread, so 512000 KB / 64000 KB leave room for about six extra threads. The wall limit is enforced by the
launcher (so the killed program's rusage is still reported); the app's own asyncio timeout, wall limit + 2 s,
is the backstop that kills the whole sandbox. A bwrap sandbox's pid 1 can outlive the outer bwrap process by
a moment and be reaped by the host's init: a zombie, never a running process.

Instruction counts (``count_instructions=True``) come from a second run of the test, in the same sandbox,
under ``valgrind --tool=cachegrind --cache-sim=no`` with exactly ``PYTHONHASHSEED=0 PATH=/usr/bin:/bin`` as
environment and fixed paths (/box/script.py, cwd /tmp), which makes the count identical across runs.

Status mapping mirrors Judge0 1.13.1 for Python, where the program runs under ``/bin/bash run``: a signal
reaches isolate as bash's exit code 128+n, so a segfault is 11 (NZEC) with exit_code 139 (we also keep
exit_signal=11); only the death of the supervisor itself (bash there, our launcher here) by a signal gives
7-10 or 12. Output past ``Limits.output_cap_bytes`` is cut: we close our end of the pipe, the program's next
write fails (as a Judge0 program's write fails at the output file's size limit) and the result is NZEC.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import dataclasses
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecco_tui import __version__
from ecco_tui.engines.base import (
    EngineError,
    EngineInfo,
    Limits,
    Status,
    TestCase,
    TestResult,
    outputs_match,
)
from ecco_tui.engines.cgroups import (
    CGROUP_V1,
    SUBREAPER,
    AccountingGroups,
    accounting_mode,
    join_group,
    make_accounting_groups,
    make_pids_group,
)

__all__ = ["LocalEngine", "RawRun", "classify", "median_of", "resolve_interpreter"]

LAUNCHER_PATH = Path(__file__).with_name("_launcher.py")

# Paths inside the sandbox. Fixed so that argv, sys.path and tracebacks never vary between runs (instruction
# counts depend on them).
BOX_DIR = "/box"
BOX_SCRIPT = "/box/script.py"
BOX_STDIN = "/box/stdin.txt"
BOX_LAUNCHER = "/.ecco/launcher.py"
SANDBOX_TMP = "/tmp"

PROGRAM_PATH_ENV = "/usr/local/bin:/usr/bin:/bin"
WATCHDOG_TICK_S = 0.025
# The launcher enforces the wall limit itself (and still reports rusage); the app kills the sandbox only
# when the launcher has not answered this long after the wall limit.
BACKSTOP_GRACE_S = 2.0
SANDBOX_START_GRACE_S = 5.0
# After the report, how long stdout/stderr may stay open (a daemonised grandchild in rlimit mode).
PIPE_DRAIN_GRACE_S = 0.5
READ_CHUNK = 1 << 18
REPORT_MAX_BYTES = 1 << 16
TMPFS_MIN_BYTES = 8 << 20
TMPFS_FILE_FACTOR = 8

SYSTEM_DIRS = ("/usr",)
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
# What libc and Python's stdlib read at start-up or commonly; bound read-only when present.
ETC_FILES = (
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/timezone",
    "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/hosts", "/etc/alternatives",
    "/etc/mime.types", "/etc/locale.alias", "/etc/os-release",
)

# Required sandbox, missing or broken: one line saying what the user can do.
BWRAP_MISSING = (
    "the local engine needs bubblewrap (bwrap) to sandbox untrusted programs: install it (Debian/Ubuntu: "
    "apt-get install bubblewrap; Fedora: dnf install bubblewrap) or pass --no-sandbox (config: [local] "
    "sandbox = false) to run them unsandboxed"
)


def bwrap_broken(reason: str) -> str:
    text = " ".join(reason.split())
    return (f"the local engine's bubblewrap sandbox does not work here ({text}): fix bwrap (it needs "
            "unprivileged user namespaces) or pass --no-sandbox (config: [local] sandbox = false) to run "
            "programs unsandboxed")


# isolate's SG mapping, used only when the supervisor itself dies by a signal (Judge0: bash died).
SIGNAL_STATUS: dict[int, Status] = {
    signal.SIGSEGV: Status.RUNTIME_ERROR_SIGSEGV,
    signal.SIGXFSZ: Status.RUNTIME_ERROR_SIGXFSZ,
    signal.SIGFPE: Status.RUNTIME_ERROR_SIGFPE,
    signal.SIGABRT: Status.RUNTIME_ERROR_SIGABRT,
}

# Instruction-counting runs use exactly `env -i PYTHONHASHSEED=0 PATH=/usr/bin:/bin`: one extra variable
# changes the count.
COUNTING_ENV = {"PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin"}


# ---------------------------------------------------------------------------------------------- interpreter


def _is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"\x7fELF"
    except OSError:
        return False


def resolve_interpreter(python: str | None = None) -> str:
    """Return the real binary of ``python`` (default ``sys.executable``), never a wrapper script.

    A pyenv shim is a bash script that costs 60-70 ms per launch and, under valgrind, measures bash
    instead of Python. If the path resolves to a script, ask it once for its ``sys.executable``.
    """
    candidate = shutil.which(python) if python and os.sep not in python else python
    path = os.path.realpath(candidate or sys.executable)
    if _is_elf(path):
        return path
    if not os.path.isfile(path):
        raise EngineError(f"python interpreter not found: {python or sys.executable}")
    try:
        done = subprocess.run(
            [path, "-c", "import os, sys; print(os.path.realpath(sys.executable))"],
            capture_output=True, text=True, timeout=30, check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise EngineError(f"{path} is a script and could not be resolved to a real interpreter: {exc}") from exc
    real = done.stdout.strip()
    if not _is_elf(real):
        raise EngineError(f"{path} is a script; it resolved to {real!r}, which is not an ELF binary")
    return real


@dataclass(frozen=True, slots=True)
class InterpreterFacts:
    path: str
    version: str  # "3.11.7"
    prefixes: tuple[str, ...]  # real installation prefixes, bound read-only in the sandbox


def probe_interpreter(path: str) -> InterpreterFacts:
    """Ask the interpreter (isolated, no site) for its version and installation prefixes."""
    code = (
        "import sys, os\n"
        "print('%d.%d.%d' % sys.version_info[:3])\n"
        "print(os.path.realpath(sys.base_prefix))\n"
        "print(os.path.realpath(sys.base_exec_prefix))\n"
    )
    try:
        done = subprocess.run([path, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=30,
                              check=True)
        version, prefix, exec_prefix = done.stdout.split("\n")[:3]
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise EngineError(f"cannot run python interpreter {path}: {exc}") from exc
    prefixes = {prefix, exec_prefix, os.path.dirname(os.path.dirname(path))}
    return InterpreterFacts(path=path, version=version, prefixes=tuple(sorted(prefixes)))


# ------------------------------------------------------------------------------------------------ sandbox


def _under(path: str, roots: Sequence[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def system_mounts(extra_prefixes: Sequence[str]) -> list[str]:
    """Read-only view of the OS plus the interpreter's prefix; nothing of $HOME, /root or /home beyond it."""
    args: list[str] = []
    for d in SYSTEM_DIRS:
        args += ["--ro-bind", d, d]
    for link in SYSTEM_LINKS:
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    for etc in ETC_FILES:
        args += ["--ro-bind-try", etc, etc]
    bound = list(SYSTEM_DIRS)
    for prefix in sorted(set(extra_prefixes)):
        if prefix and prefix != "/" and not _under(prefix, bound):
            args += ["--ro-bind", prefix, prefix]
            bound.append(prefix)
    return args


def tmpfs_bytes(limits: Limits) -> int:
    """Size cap of the sandbox /tmp and /dev/shm: a few max-size files, never the whole disk or RAM."""
    return max(TMPFS_MIN_BYTES, TMPFS_FILE_FACTOR * limits.max_file_size_kb * 1024)


def bwrap_argv(bwrap: str, prefixes: Sequence[str], box_dir: str, tmp_bytes: int) -> list[str]:
    """The bwrap command line up to (not including) the command it runs."""
    size = str(tmp_bytes)
    return [
        bwrap,
        "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
        "--die-with-parent", "--new-session", "--clearenv", "--hostname", "sandbox",
        *system_mounts(prefixes),
        "--proc", "/proc",
        "--dev", "/dev", "--size", size, "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
        "--size", size, "--tmpfs", SANDBOX_TMP,
        "--ro-bind", box_dir, BOX_DIR,
        "--ro-bind", str(LAUNCHER_PATH), BOX_LAUNCHER,
        "--remount-ro", "/",
        "--chdir", SANDBOX_TMP,
    ]


def program_env(home: str) -> dict[str, str]:
    """Judge0-like environment for normal runs; PYTHONHASHSEED stays unset, as in Judge0."""
    return {
        "PATH": PROGRAM_PATH_ENV,
        "LANG": "C.UTF-8",
        "HOME": home,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
    }


def valgrind_argv(valgrind: str, python: str, script: str) -> list[str]:
    """cachegrind without cache simulation: an instruction count, ~70x slower, identical across runs."""
    return [valgrind, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
            "--log-fd=@", python, "-B", script]


def user_task_count() -> int:
    """Tasks (threads included) this user already runs; 0 for root, whom the kernel exempts anyway.

    RLIMIT_NPROC counts every task of the real user on the machine (per user namespace only on kernels
    5.14+), so a bare ``max_processes`` would stop a program on a busy desktop from starting one thread.
    The limit is therefore set to this baseline plus ``max_processes``: a coarse backstop between the
    launcher's exact per-namespace process count.
    """
    uid = os.getuid()
    if uid == 0:
        return 0
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError):
            if entry.stat().st_uid != uid:
                continue
            with open(f"/proc/{entry.name}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Threads:"))
    return total


def cpu_rlimit_s(limits: Limits) -> int:
    """RLIMIT_CPU has whole seconds: the cpu limit plus the extra time, rounded up."""
    return max(1, math.ceil(limits.cpu_time_s + limits.cpu_extra_time_s))


@dataclass(frozen=True, slots=True)
class SandboxSpec:
    """What a sandbox is started with; a request needing a different spec restarts the slot."""

    mode: str  # "bwrap" | "rlimit"
    python: str
    bwrap: str | None
    prefixes: tuple[str, ...]
    tmp_bytes: int
    accounting: str = SUBREAPER  # "cgroup-v1" | "subreaper" (see cgroups.py)

    @property
    def sandboxed(self) -> bool:
        return self.mode == "bwrap"


@dataclass(frozen=True, slots=True)
class Plan:
    """One execution's request to the launcher, in the sandbox's view of paths."""

    argv: list[str]
    env: dict[str, str]
    stdin: str
    cwd: str
    wall_s: float
    cpu_s: int
    as_bytes: int
    stack_bytes: int
    fsize_bytes: int
    nproc: int
    max_processes: int
    output_cap: int
    vglog: bool = False
    memory_limit_bytes: int = 0  # the whole tree's (accounting group's) limit; 0 = none

    def request(self, sandboxed: bool) -> list[str]:
        """Encode as the launcher's ``key=value`` argv (see _launcher.py)."""
        opts = [
            f"wall={self.wall_s!r}", f"cpu={self.cpu_s}", f"as={self.as_bytes}",
            f"memlimit={self.memory_limit_bytes}",
            f"stack={self.stack_bytes}", f"fsize={self.fsize_bytes}", f"nproc={self.nproc}",
            f"stdin={self.stdin}", f"cwd={self.cwd}", f"vglog={int(self.vglog)}",
            f"maxprocs={self.max_processes if sandboxed else 0}",
            f"tick={WATCHDOG_TICK_S}",
        ]
        opts += [f"env={k}={v}" for k, v in self.env.items()]
        return [*opts, "--", *self.argv]


# ---------------------------------------------------------------------------------------------- execution


class _PipeReader:
    """Reads one pipe on the event loop, keeping at most ``cap`` bytes.

    For the program's stdout/stderr, reaching the cap closes our read end: its next write fails with EPIPE
    (Python raises BrokenPipeError), it never blocks on a full pipe, and we never hold more than the cap.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, cap: int) -> None:
        self.loop = loop
        self.cap = cap
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        self.data = bytearray()
        self.capped = False
        self.eof: asyncio.Future[None] = loop.create_future()
        loop.add_reader(self.read_fd, self._on_readable)

    def _on_readable(self) -> None:
        try:
            chunk = os.read(self.read_fd, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.close()
            return
        room = self.cap - len(self.data)
        if len(chunk) <= room:
            self.data += chunk
            return
        self.data += chunk[: max(room, 0)]
        self.capped = True
        self.close()

    def close_write_end(self) -> None:
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1

    def close(self) -> None:
        self.close_write_end()
        if self.read_fd >= 0:
            self.loop.remove_reader(self.read_fd)
            os.close(self.read_fd)
            self.read_fd = -1
        if not self.eof.done():
            self.eof.set_result(None)


@dataclass(slots=True)
class RawRun:
    """What came back from one supervised execution, before any Judge0 interpretation."""

    done: dict[str, Any] | None = None
    started_pid: int | None = None
    error: str | None = None
    returncode: int | None = None  # of the sandbox (bwrap or launcher), when it died during the run
    sandbox_log: str = ""
    stdout: bytes = b""
    stderr: bytes = b""
    stdout_capped: bool = False
    stderr_capped: bool = False
    backstop_killed: bool = False
    parent_wall_s: float | None = None
    sandboxed: bool = True


def parse_report(text: bytes, raw: RawRun) -> None:
    """Fill ``raw`` from the launcher's JSON lines; unknown or broken lines are ignored."""
    for line in text.decode("utf-8", "replace").splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if not isinstance(msg, dict):
            continue
        event = msg.get("event")
        if event == "started":
            raw.started_pid = msg.get("pid")
        elif event == "done":
            raw.done = msg
        elif event == "error":
            raw.error = str(msg.get("message"))


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux /proc/PID/task/TID/children)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


async def _poll_exit(proc: subprocess.Popen[bytes], fire: Callable[[], None]) -> None:
    while proc.poll() is None:
        await asyncio.sleep(0.01)
    fire()


def _killpg(pgid: int | None) -> None:
    if pgid and pgid > 1:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


def _terminate(proc: subprocess.Popen[bytes], sandboxed: bool, program_pgid: int | None) -> None:
    """SIGKILL a sandbox (its pid 1 first when namespaced, see ``Sandbox.kill``) and reap it."""
    if sandboxed:
        for child in _children(proc.pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(child, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=1)
    else:
        _killpg(program_pgid)
    if proc.returncode is None:
        _killpg(proc.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


class Sandbox:
    """One persistent launcher (inside its own bwrap when sandboxed) serving one execution at a time.

    The app reaps the sandbox process itself (exit is noticed through a pidfd), so a process-group kill can
    never hit a recycled pid.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.box = root / "box"
        self.work = root / "work"
        self.log_path = root / "sandbox.log"
        self.spec: SandboxSpec | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.sock: socket.socket | None = None
        self.fresh = False
        self._script: str | None = None
        self._program_pgid: int | None = None
        self._retired: list[subprocess.Popen[bytes]] = []
        self.pids_group: Path | None = None
        self.accounting: AccountingGroups | None = None  # kept across restarts of the slot's sandbox

    # -- lifecycle

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, spec: SandboxSpec) -> None:
        self.retire()
        self.reap()
        shutil.rmtree(self.root, ignore_errors=True)
        self.box.mkdir(parents=True)
        self.work.mkdir()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        name = f"{os.getpid()}-{self.root.parent.name}-{self.root.name}"  # unique per engine and slot
        cg_fds: list[int] = []
        if spec.accounting == CGROUP_V1:
            if self.accounting is None:
                self.accounting = make_accounting_groups(name)
            if self.accounting is None:
                ours.close()
                theirs.close()
                raise EngineError("cannot create the accounting cgroups (cpuacct, memory) for a sandbox")
            cg_fds = self.accounting.fds
        launcher = [spec.python, "-I", "-S", "-B"]
        options = [f"sock={theirs.fileno()}", f"acct={spec.accounting}"]
        if cg_fds:
            options.append("cg=" + ",".join(map(str, cg_fds)))
        if spec.sandboxed:
            assert spec.bwrap is not None
            head = bwrap_argv(spec.bwrap, spec.prefixes, str(self.box), spec.tmp_bytes)
            command = [*head, *launcher, BOX_LAUNCHER, *options, "pidns=1"]
        else:
            command = [*launcher, str(LAUNCHER_PATH), *options, "pidns=0"]
        if self.pids_group is None:
            self.pids_group = make_pids_group(name)
        group = self.pids_group
        try:
            with open(self.log_path, "wb") as log:
                self.proc = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                    pass_fds=(theirs.fileno(), *cg_fds), start_new_session=True, env={}, close_fds=True,
                    preexec_fn=join_group(group) if group is not None else None,
                )
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        self.sock, self.spec, self.fresh, self._script = ours, spec, True, None

    def retire(self) -> None:
        """Let an idle sandbox end on its own: closing the socket makes the launcher, then bwrap, exit.

        Non-blocking: the process is reaped later (``reap``, ``close``), so recycling a dirty sandbox never
        stalls the event loop.
        """
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc is not None and self.proc.poll() is None:
            self._retired.append(self.proc)
        self.proc = None
        self._program_pgid = None

    def kill(self) -> None:
        """End a busy (or hung) sandbox now.

        The sandbox's own pid 1 is killed first: the kernel then kills everything in the namespace and the
        outer bwrap reaps it and exits. Killing the outer bwrap first would orphan that pid 1 to the host's
        init. The process-group kill is the last resort (and the only tool in rlimit mode).
        """
        proc, pgid = self.proc, self._program_pgid
        self.retire()
        if proc is not None and proc.returncode is None:
            self._retired.remove(proc)
            _terminate(proc, self.spec.sandboxed if self.spec else False, pgid)

    def reap(self) -> None:
        self._retired = [p for p in self._retired if p.poll() is None]

    async def close(self) -> None:
        """Retire, give the launcher a moment to exit by itself, then kill whatever is left."""
        self.retire()
        for _ in range(200):
            self.reap()
            if not self._retired:
                self._remove_group()
                return
            await asyncio.sleep(0.005)
        for proc in self._retired:
            _terminate(proc, self.spec.sandboxed if self.spec else False, None)
        self._retired = []
        self._remove_group()

    def _remove_group(self) -> None:
        if self.pids_group is not None:
            with contextlib.suppress(OSError):
                self.pids_group.rmdir()
            self.pids_group = None
        if self.accounting is not None:
            self.accounting.close()
            self.accounting = None

    def read_log(self) -> str:
        try:
            return self.log_path.read_bytes()[-4000:].decode("utf-8", "replace").strip()
        except OSError:
            return ""

    # -- one execution

    def paths(self) -> tuple[str, str, str]:
        """(script, stdin, cwd) as the program sees them."""
        assert self.spec is not None
        if self.spec.sandboxed:
            return BOX_SCRIPT, BOX_STDIN, SANDBOX_TMP
        return str(self.box / "script.py"), str(self.box / "stdin.txt"), str(self.work)

    def stage(self, program: str, test_input: str) -> None:
        if self._script != program:
            (self.box / "script.py").write_text(program, encoding="utf-8")
            self._script = program
        (self.box / "stdin.txt").write_text(test_input, encoding="utf-8")

    def _send(self, request: list[str], fds: list[int]) -> None:
        assert self.sock is not None
        message = "\0".join(request).encode("utf-8")
        self.sock.sendmsg([message], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])

    def _watch_exit(self, loop: asyncio.AbstractEventLoop) -> tuple[asyncio.Future[None], Callable[[], None]]:
        """A future that completes when the sandbox process exits (without reaping it), and its cleanup."""
        exited: asyncio.Future[None] = loop.create_future()
        proc = self.proc
        assert proc is not None

        def fire() -> None:
            if not exited.done():
                exited.set_result(None)

        try:
            pidfd = os.pidfd_open(proc.pid)
        except (OSError, AttributeError):  # kernel before 5.3: poll instead
            poller = loop.create_task(_poll_exit(proc, fire))

            def stop_polling() -> None:
                poller.cancel()

            return exited, stop_polling

        def on_readable() -> None:
            loop.remove_reader(pidfd)  # level-triggered: it would fire on every loop iteration
            fire()

        def cleanup() -> None:
            loop.remove_reader(pidfd)
            os.close(pidfd)

        loop.add_reader(pidfd, on_readable)
        return exited, cleanup

    async def execute(self, plan: Plan, backstop_s: float) -> RawRun:
        """Run one staged execution; on cancellation or a hung launcher the whole sandbox is killed."""
        assert self.spec is not None
        loop = asyncio.get_running_loop()
        raw = RawRun(sandboxed=self.spec.sandboxed)
        out, err = _PipeReader(loop, plan.output_cap), _PipeReader(loop, plan.output_cap)
        report = _PipeReader(loop, REPORT_MAX_BYTES)
        readers = (out, err, report)
        exited, unwatch = self._watch_exit(loop)
        started = loop.time()
        try:
            try:
                self._send(plan.request(self.spec.sandboxed), [out.write_fd, err.write_fd, report.write_fd])
            except OSError as exc:  # the launcher is gone; its exit status tells why
                raw.sandbox_log = f"cannot reach the launcher: {exc}"
            for reader in readers:
                reader.close_write_end()
            self.fresh = False
            await self._await_report(raw, report, exited, backstop_s)
            await asyncio.wait([out.eof, err.eof], timeout=PIPE_DRAIN_GRACE_S)
            parse_report(bytes(report.data), raw)
            if raw.done is None and raw.error is None:
                await asyncio.wait([exited], timeout=2.0)  # the launcher died: let the sandbox exit
        except BaseException:
            parse_report(bytes(report.data), raw)
            self._program_pgid = raw.started_pid
            self.kill()
            raise
        finally:
            for reader in readers:
                reader.close()
            unwatch()
        raw.parent_wall_s = loop.time() - started
        self._program_pgid = raw.started_pid
        raw.stdout, raw.stderr = bytes(out.data), bytes(err.data)
        raw.stdout_capped, raw.stderr_capped = out.capped, err.capped
        if raw.done is None:
            self._collect_failure(raw)
        elif raw.done.get("dirty"):
            self.retire()  # the launcher is idle again, but this sandbox is not fit for another test
        return raw

    async def _await_report(self, raw: RawRun, report: _PipeReader, exited: asyncio.Future[None],
                            backstop_s: float) -> None:
        """Wait for the report pipe to close (launcher done) or the sandbox to die; kill it past the backstop."""
        finished, _ = await asyncio.wait([report.eof, exited], timeout=backstop_s,
                                         return_when=asyncio.FIRST_COMPLETED)
        if not finished:
            raw.backstop_killed = True
            parse_report(bytes(report.data), raw)
            self._program_pgid = raw.started_pid
            self.kill()
        elif report.eof not in finished:
            await asyncio.wait([report.eof], timeout=1.0)  # sandbox died: let the pipe drain

    def _collect_failure(self, raw: RawRun) -> None:
        """The launcher did not report: record the sandbox's exit status and log, and make sure it is gone."""
        proc = self.proc
        if proc is not None:
            if proc.poll() is None:
                self.kill()
            raw.returncode = proc.returncode
        raw.sandbox_log = raw.sandbox_log or self.read_log()
        self.retire()


# ------------------------------------------------------------------------------------------- classification


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _result(test: TestCase, status: Status, raw: RawRun, repeat_index: int, **kw: Any) -> TestResult:
    done = raw.done or {}
    cpu, wall, rss = done.get("cpu_s"), done.get("wall_s"), done.get("maxrss_kb")
    return TestResult(
        test=test,
        status_id=int(status),
        status_description=status.description,
        cpu_time_s=float(cpu) if cpu is not None else None,
        wall_time_s=float(wall) if wall is not None else raw.parent_wall_s,
        memory_kb=int(rss) if rss is not None else None,
        stdout=_decode(raw.stdout),
        stderr=_decode(raw.stderr),
        repeat_index=repeat_index,
        **kw,
    )


def _supervisor_failure(raw: RawRun, test: TestCase, repeat_index: int) -> TestResult:
    """No final report: the sandbox never started, the launcher broke, or the program killed its parent."""
    if raw.error is not None:
        return _result(test, Status.INTERNAL_ERROR, raw, repeat_index, message=raw.error)
    if raw.backstop_killed:
        return _result(test, Status.TIME_LIMIT_EXCEEDED, raw, repeat_index,
                       message="Time limit exceeded (wall clock; sandbox killed by the engine)")
    rc = raw.returncode
    sig = None
    if rc is not None and rc < 0:
        sig = -rc
    elif rc is not None and raw.sandboxed and rc > 128:
        sig = rc - 128  # bwrap exits 128+n when its command died by signal n
    if raw.started_pid is not None and sig is not None:
        # Judge0: the program killed bash (its parent), isolate reports SG for the box's main process.
        status = SIGNAL_STATUS.get(sig, Status.RUNTIME_ERROR_OTHER)
        return _result(test, status, raw, repeat_index, exit_signal=sig,
                       message=f"Supervisor killed by signal {sig}")
    detail = raw.sandbox_log or f"exit status {rc}"
    return _result(test, Status.INTERNAL_ERROR, raw, repeat_index, message=f"sandbox failure: {detail}")


def classify(raw: RawRun, test: TestCase, limits: Limits, repeat_index: int = 0) -> TestResult:
    """Turn a raw execution into a Judge0-shaped result (mapping documented in the module docstring).

    Like isolate, a program whose CPU time exceeds the limit is TLE even if it then finished within the
    extra time.
    """
    done = raw.done
    if done is None or raw.error is not None:
        return _supervisor_failure(raw, test, repeat_index)
    cpu = float(done.get("cpu_s") or 0.0)
    sig, code, killed = done.get("signal"), done.get("exit_code"), done.get("killed")
    capped = [name for name, hit in (("stdout", raw.stdout_capped), ("stderr", raw.stderr_capped)) if hit]
    note = f"; {' and '.join(capped)} exceeded {limits.output_cap_bytes} bytes" if capped else ""
    if killed == "wall":
        return _result(test, Status.TIME_LIMIT_EXCEEDED, raw, repeat_index, exit_signal=sig,
                       message="Time limit exceeded (wall clock)" + note)
    if killed == "cpu":
        return _result(test, Status.TIME_LIMIT_EXCEEDED, raw, repeat_index, exit_signal=sig,
                       message="Time limit exceeded (CPU time of all processes)" + note)
    if done.get("memory_limit_hit") and sig == signal.SIGKILL:
        note += "; memory limit of all processes reached"
    cpu_killed = sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= cpu_rlimit_s(limits) - 0.05)
    if cpu_killed or cpu > limits.cpu_time_s:
        return _result(test, Status.TIME_LIMIT_EXCEEDED, raw, repeat_index, exit_signal=sig,
                       message="Time limit exceeded" + note)
    if killed == "procs":
        return _result(test, Status.RUNTIME_ERROR_NZEC, raw, repeat_index, exit_code=128 + signal.SIGKILL,
                       exit_signal=int(signal.SIGKILL),
                       message=f"Process limit exceeded (more than {limits.max_processes})" + note)
    if sig is not None:
        return _result(test, Status.RUNTIME_ERROR_NZEC, raw, repeat_index, exit_code=128 + sig,
                       exit_signal=sig, message=f"Exited with error status {128 + sig}" + note)
    if code != 0:
        return _result(test, Status.RUNTIME_ERROR_NZEC, raw, repeat_index, exit_code=code,
                       message=f"Exited with error status {code}" + note)
    if capped:
        return _result(test, Status.RUNTIME_ERROR_NZEC, raw, repeat_index, exit_code=0,
                       message="Output limit exceeded" + note)
    ok = outputs_match(_decode(raw.stdout), test.expected_output)
    return _result(test, Status.ACCEPTED if ok else Status.WRONG_ANSWER, raw, repeat_index, exit_code=0)


def median_of(results: Sequence[TestResult]) -> TestResult:
    """Collapse the repeats of one test: medians of CPU, wall and memory when every repeat agrees on status.

    When statuses differ, a flaky failure must not hide behind a median: the first non-accepted repeat is
    returned, with a note. Instruction counts are deterministic, so the first one present is kept.
    """
    if not results:
        raise ValueError("median_of() needs at least one result")
    ordered = sorted(results, key=lambda r: r.repeat_index)
    if len({r.test.sha256 for r in ordered}) > 1:
        raise ValueError("median_of() got results of different tests")
    instructions = next((r.instructions for r in ordered if r.instructions is not None), None)
    statuses = [r.status_id for r in ordered]
    if len(set(statuses)) > 1:
        worst = next(r for r in ordered if r.status_id != Status.ACCEPTED)
        note = f"statuses differed across repeats: {statuses}"
        message = f"{worst.message}; {note}" if worst.message else note
        return dataclasses.replace(worst, message=message, instructions=instructions)

    def med(values: list[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return statistics.median(present) if present else None

    memory = med([r.memory_kb for r in ordered])
    return dataclasses.replace(
        ordered[0],
        cpu_time_s=med([r.cpu_time_s for r in ordered]),
        wall_time_s=med([r.wall_time_s for r in ordered]),
        memory_kb=round(memory) if memory is not None else None,
        instructions=instructions,
        repeat_index=0,
    )


# ------------------------------------------------------------------------------------------------- engine


@dataclass(slots=True)
class _Ready:
    interpreter: InterpreterFacts
    mode: str  # "bwrap" | "rlimit"
    bwrap: str | None
    valgrind: str | None
    details: dict[str, str] = field(default_factory=dict)
    accounting: str = SUBREAPER


class LocalEngine:
    """Runs programs on this machine, sandboxed by bubblewrap when possible; speaks the Engine protocol.

    Args:
        python: interpreter for the programs (default: the real binary behind ``sys.executable``; scripts
            such as pyenv shims are resolved to the binary they run).
        use_bwrap: True requires bubblewrap, False never uses it, None (default) uses it when ``bwrap`` is on
            PATH and a probe run inside it succeeds.
        concurrency: executions in flight at once (default ``os.cpu_count()``); one sandbox per slot.
        count_instructions: also run each test once (repeat 0, only when the program exited 0) under
            valgrind/cachegrind, inside the same sandbox, and report ``TestResult.instructions``.
        limits: limits used when ``run()`` gets none.
        bwrap, valgrind: explicit tool paths (default: looked up on PATH).
        instruction_time_factor: cpu/wall limits are multiplied by this for the valgrind run (~70x slower).
        reuse_sandbox: keep a slot's sandbox between tests (default); False starts a new one per test.
        accounting: how the whole process tree is charged: "cgroup-v1" (required), "subreaper", or None
            (default) for the best this host allows (see cgroups.py). Part of the engine version.

    One engine belongs to one event loop; call ``aclose()`` to stop its sandboxes.
    """

    def __init__(
        self,
        python: str | None = None,
        *,
        use_bwrap: bool | None = None,
        concurrency: int | None = None,
        count_instructions: bool = False,
        limits: Limits | None = None,
        bwrap: str | None = None,
        valgrind: str | None = None,
        instruction_time_factor: float = 100.0,
        reuse_sandbox: bool = True,
        accounting: str | None = None,
    ) -> None:
        if accounting not in (None, CGROUP_V1, SUBREAPER):
            raise ValueError(f"accounting must be {CGROUP_V1} or {SUBREAPER}, not {accounting!r}")
        self._accounting = accounting
        self._python = resolve_interpreter(python)
        self._use_bwrap = use_bwrap
        self._concurrency = max(1, concurrency or os.cpu_count() or 1)
        self._semaphore = asyncio.Semaphore(self._concurrency)
        self._count_instructions = count_instructions
        self._limits = limits or Limits()
        self._bwrap_path = bwrap
        self._valgrind_path = valgrind
        self._instruction_factor = instruction_time_factor
        self._reuse = reuse_sandbox
        self._ready: _Ready | None = None
        self._ready_lock = asyncio.Lock()
        self._nproc_base = 0
        self._base: Path | None = None
        self._free: list[Sandbox] = []
        self._all: list[Sandbox] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queues: set[asyncio.Queue[TestResult | None]] = set()
        self._closed = False

    @property
    def python(self) -> str:
        return self._python

    # -------------------------------------------------------------------------------------------- setup

    async def _ensure_ready(self) -> _Ready:
        if self._closed:
            raise EngineError("engine is closed")
        async with self._ready_lock:
            if self._ready is None:
                self._base = Path(tempfile.mkdtemp(prefix="ecco-local-"))
                self._ready = await self._prepare()
                self._all = [Sandbox(self._base / f"slot{i}") for i in range(self._concurrency)]
                self._free = list(self._all)
            return self._ready

    async def _accounting_mode(self) -> str:
        best = await asyncio.to_thread(accounting_mode)
        if self._accounting == CGROUP_V1 and best != CGROUP_V1:
            raise EngineError("accounting=cgroup-v1 but no cpuacct/memory cgroup can be created here "
                              "(needs root and cgroup v1 hierarchies)")
        return self._accounting or best

    async def _prepare(self) -> _Ready:
        facts = await asyncio.to_thread(probe_interpreter, self._python)
        self._nproc_base = await asyncio.to_thread(user_task_count)
        accounting = await self._accounting_mode()
        valgrind = None
        if self._count_instructions:
            valgrind = shutil.which(self._valgrind_path or "valgrind")
            if not valgrind:
                raise EngineError(f"count_instructions=True but {self._valgrind_path or 'valgrind'} is missing")
            prefix = os.path.dirname(os.path.dirname(os.path.realpath(valgrind)))
            facts = dataclasses.replace(facts, prefixes=(*facts.prefixes, prefix))
        details = {"python": facts.path, "sandbox": "rlimit", "accounting": accounting}
        if valgrind:
            details["valgrind"] = valgrind
        if self._use_bwrap is not False:
            bwrap = shutil.which(self._bwrap_path or "bwrap")
            if bwrap:
                ready = _Ready(facts, "bwrap", bwrap, valgrind, {**details, "sandbox": "bwrap", "bwrap": bwrap},
                               accounting)
                problem = await self._self_test(ready)
                if problem is None:
                    return ready
                reason = f"bwrap probe failed: {problem}"
            else:
                reason = "bwrap not found on PATH"
            if self._use_bwrap:
                raise EngineError(BWRAP_MISSING if bwrap is None else bwrap_broken(reason))
            details["fallback_reason"] = reason
        ready = _Ready(facts, "rlimit", None, valgrind, details, accounting)
        problem = await self._self_test(ready)
        if problem is not None:
            raise EngineError(f"local engine self-test failed: {problem}")
        return ready

    async def _self_test(self, ready: _Ready) -> str | None:
        """Run ``print('ok')`` the real way once; returns None when it came out Accepted."""
        assert self._base is not None
        probe = TestCase(problem_id="_probe", visibility="public", index=0, input="", expected_output="ok")
        sandbox = Sandbox(self._base / f"probe-{ready.mode}")
        try:
            result = await self._execute(ready, sandbox, "print('ok')\n", probe, self._limits, 0,
                                         counting=False)
        finally:
            await sandbox.close()
            shutil.rmtree(sandbox.root, ignore_errors=True)
        if result.status_id == Status.ACCEPTED:
            return None
        return f"{result.status_description}: {result.message or ''} {result.stderr.strip()[-500:]}".strip()

    # --------------------------------------------------------------------------------------------- info

    async def info(self) -> EngineInfo:
        ready = await self._ensure_ready()
        # The interpreter is part of the version: results measured with another Python never match in the
        # execution cache.
        return EngineInfo(
            name="local",
            version=(f"local-{__version__}+{ready.mode}+{ready.accounting}"
                     f"/python-{ready.interpreter.version}@{ready.interpreter.path}"),
            language=f"Python ({ready.interpreter.version})",
            limits=self._limits,
            details={**ready.details, "concurrency": str(self._concurrency)},
        )

    # ---------------------------------------------------------------------------------------------- run

    async def run(
        self,
        program: str,
        tests: Sequence[TestCase],
        limits: Limits | None = None,
        *,
        repeat: int = 1,
    ) -> AsyncGenerator[TestResult, None]:
        """Yield one result per (test, repeat) as executions finish; repeats are scheduled round by round."""
        if repeat < 1:
            raise ValueError("repeat must be >= 1")
        ready = await self._ensure_ready()
        limits = limits or self._limits
        queue: asyncio.Queue[TestResult | None] = asyncio.Queue()
        tasks = [
            asyncio.create_task(self._guarded(ready, program, test, limits, r, queue))
            for r in range(repeat)
            for test in tests
        ]
        self._tasks.update(tasks)
        self._queues.add(queue)
        try:
            for _ in range(len(tasks)):
                item = await queue.get()
                if item is None:  # aclose() while we were waiting
                    raise EngineError("engine closed during run")
                yield item
        finally:
            self._queues.discard(queue)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._tasks.difference_update(tasks)

    async def _guarded(self, ready: _Ready, program: str, test: TestCase, limits: Limits,
                       repeat_index: int, queue: asyncio.Queue[TestResult | None]) -> None:
        """One test on a free slot; an engine bug becomes an Internal Error result, not a crash."""
        async with self._semaphore:
            sandbox = self._free.pop()
            try:
                result = await self._execute(ready, sandbox, program, test, limits, repeat_index,
                                             counting=False)
                if self._wants_count(result):
                    counted = await self._execute(ready, sandbox, program, test, limits, repeat_index,
                                                  counting=True)
                    result = dataclasses.replace(result, instructions=counted.instructions)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                sandbox.kill()
                result = TestResult(
                    test=test, status_id=int(Status.INTERNAL_ERROR),
                    status_description=Status.INTERNAL_ERROR.description, cpu_time_s=None,
                    wall_time_s=None, memory_kb=None, repeat_index=repeat_index,
                    message=f"local engine error: {type(exc).__name__}: {exc}",
                )
            finally:
                self._free.append(sandbox)
        queue.put_nowait(result)

    def _wants_count(self, result: TestResult) -> bool:
        return (self._count_instructions and result.repeat_index == 0 and result.exit_code == 0
                and result.status_id in (Status.ACCEPTED, Status.WRONG_ANSWER))

    def _spec(self, ready: _Ready, limits: Limits) -> SandboxSpec:
        return SandboxSpec(mode=ready.mode, python=ready.interpreter.path, bwrap=ready.bwrap,
                           prefixes=ready.interpreter.prefixes, tmp_bytes=tmpfs_bytes(limits),
                           accounting=ready.accounting)

    def _plan(self, ready: _Ready, sandbox: Sandbox, limits: Limits, counting: bool) -> Plan:
        script, stdin, cwd = sandbox.paths()
        python = ready.interpreter.path
        factor = self._instruction_factor if counting else 1.0
        if counting:
            assert ready.valgrind is not None
            argv, env = valgrind_argv(ready.valgrind, python, script), dict(COUNTING_ENV)
        else:
            argv, env = [python, "-B", script], program_env(cwd)
        return Plan(
            argv=argv, env=env, stdin=stdin, cwd=cwd,
            wall_s=limits.wall_time_s * factor,
            cpu_s=math.ceil(cpu_rlimit_s(limits) * factor),
            as_bytes=0 if counting else limits.memory_kb * 1024,  # valgrind reserves big address ranges
            stack_bytes=limits.stack_kb * 1024, fsize_bytes=limits.max_file_size_kb * 1024,
            nproc=self._nproc_base + limits.max_processes + 2,  # + bwrap's init and the launcher
            max_processes=limits.max_processes, output_cap=limits.output_cap_bytes, vglog=counting,
            memory_limit_bytes=0 if counting else limits.memory_kb * 1024,
        )

    async def _execute(self, ready: _Ready, sandbox: Sandbox, program: str, test: TestCase,
                       limits: Limits, repeat_index: int, *, counting: bool) -> TestResult:
        spec = self._spec(ready, limits)
        for attempt in (1, 2):
            if not sandbox.alive() or sandbox.spec != spec:
                sandbox.start(spec)
            reused = not sandbox.fresh
            sandbox.stage(program, test.input)
            plan = self._plan(ready, sandbox, limits, counting)
            backstop = plan.wall_s + BACKSTOP_GRACE_S + (0.0 if reused else SANDBOX_START_GRACE_S)
            raw = await sandbox.execute(plan, backstop)
            # A kept sandbox that died while idle (killed from outside) fails before the program starts:
            # that is the engine's business, not the program's, so try once more on a fresh one.
            if not (reused and raw.done is None and raw.started_pid is None and attempt == 1):
                break
        if not self._reuse:
            sandbox.retire()
        result = classify(raw, test, limits, repeat_index)
        if counting:
            count = (raw.done or {}).get("instructions")
            return dataclasses.replace(result, instructions=int(count) if count is not None else None)
        return result

    async def aclose(self) -> None:
        """Cancel in-flight executions, kill every sandbox and remove the engine's files."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        for queue in self._queues:
            queue.put_nowait(None)
        await asyncio.gather(*(sandbox.close() for sandbox in self._all))
        if self._base is not None:
            shutil.rmtree(self._base, ignore_errors=True)
