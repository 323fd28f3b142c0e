"""In-sandbox supervisor: for each request, fork, limit, exec the program, wait4 it and report its own rusage.

Why a separate process at all: the parent app cannot measure the program itself.
- ``ru_maxrss`` of a child as seen through ``wait4`` starts from the forking process's high-water mark,
  so a child forked by the (large) app would report the app's size for every program.
- ``wait4`` on ``bwrap`` does not see the sandboxed program's CPU time (pid-namespace reparenting).

This file runs as ``python -I -S -B _launcher.py sock=N pidns=0|1 acct=MODE [cg=FD,...]`` (inside bwrap
when available) and serves executions one at a time, for as long as the app keeps the socket open. It
imports only builtin modules (no ``json``: it pulls in ``re``; no ``socket``/``signal``: they pull in
``enum``), so its heap stays
far below a bare interpreter's and a forked child that execs immediately reports the program's own
``ru_maxrss``. Staying alive between executions saves an interpreter start and a sandbox set-up per test.

Protocol. Requests arrive on a SOCK_SEQPACKET socket: one message = NUL-separated argv
(``key=value`` options, ``--``, the program's argv) carrying three fds via SCM_RIGHTS: the program's stdout,
its stderr and a report pipe. Options: wall (s), tick (s, 0 = none), maxprocs, cpu (s), as/stack/fsize
(bytes, 0 = unlimited), nproc (0 = leave), stdin (path), cwd, env (``K=V``, repeatable), vglog (1 = replace
the ``--log-fd=@`` argument with a private pipe and parse cachegrind's "I refs"). The report pipe receives
JSON lines: ``{"event": "started", "pid": N}`` after the fork, then ``{"event": "done", ...}`` or
``{"event": "error", "message": ...}``, and is closed. The launcher never writes to its own stdout/stderr.

Whole-tree accounting (``acct``), as Judge0's isolate ``--cg`` charges: every process and thread the program
starts counts.
- ``cgroup-v1``: ``cg`` lists descriptors of the slot's cpuacct and memory groups, opened by the app (order:
  cgroups.ACCOUNTING_FILES). The forked child writes ``0`` to both ``cgroup.procs`` before exec, so the
  program's whole tree is in the groups and the launcher is not. Before a test the counters are reset; after
  it (the tree killed and gone) CPU is ``cpuacct.usage`` and memory the peak charge above what earlier tests
  left (``memory.max_usage_in_bytes`` minus the usage at the start). The tree's CPU is also watched against the
  CPU limit (every tick) and the group's ``memory.limit_in_bytes`` is the memory limit of the whole tree.
- ``subreaper``: no group could be made. The launcher is the child subreaper (``PR_SET_CHILD_SUBREAPER``):
  every orphan of the program is reparented to it, so it kills and reaps every descendant and sums their
  rusage; memory is then the largest single process (not the tree's sum).

Between executions everything the program left is killed (``kill(-1)`` in our private pid namespace,
the process group otherwise) before "done" is sent. "done" carries ``dirty: true`` when something survived
that we do not wipe (files in /tmp or /dev/shm, changed permissions, SysV IPC objects, processes): the app
then discards this sandbox, so no execution ever sees another's leftovers.
"""

import _socket
import os
import resource
import sys
import time

# `signal` is `_signal` plus enum wrappers (see above), so mypy checks this module against its stubs. The
# constant stands in for `typing.TYPE_CHECKING` (mypy treats any name TYPE_CHECKING as true): importing `typing`
# would pull in `re` and more.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import signal as _signal
else:
    import _signal

_INF = resource.RLIM_INFINITY
_MAX_REQUEST = 1 << 16
_VG_LOG_FD = 3
_SYSVIPC = ("/proc/sysvipc/shm", "/proc/sysvipc/sem", "/proc/sysvipc/msg")
_PR_SET_CHILD_SUBREAPER = 36
# Indices into the ``cg`` descriptors (the app's cgroups.ACCOUNTING_FILES order).
_JOIN_CPU, _JOIN_MEM, _USAGE, _PEAK, _EMPTY, _MEMBERS, _LIMIT, _FAILCNT, _MEM_NOW = range(9)
# Page cache charged by earlier tests stays in the group (re-reading it would cost every test a disk read);
# past this much it is reclaimed before the next test, so the group's limit stays the program's.
_STALE_MAX = 32 << 20


def _js(value):
    """Encode one scalar as JSON text (no ``json`` import; see module docstring)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    out = ['"']
    for ch in str(value):
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _emit(fd, **fields):
    """Write one report line; a closed report pipe (app gave up) must not kill the launcher."""
    body = ",".join(_js(k) + ":" + _js(v) for k, v in fields.items())
    data = ("{" + body + "}\n").encode("utf-8")
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError:
        pass


def _parse(argv):
    """Split ``key=value`` options from the program argv after ``--``."""
    opts = {"env": []}
    i = 0
    while i < len(argv) and argv[i] != "--":
        key, _, value = argv[i].partition("=")
        if key == "env":
            opts["env"].append(value)
        else:
            opts[key] = value
        i += 1
    return opts, argv[i + 1:]


def _set_limits(opts):
    """Apply the rlimits in the child only: the launcher must stay free to wait, kill and report."""
    cpu = int(opts.get("cpu", "0"))
    if cpu > 0:
        # SIGXCPU at the soft limit, SIGKILL one second later if the program catches SIGXCPU.
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    for key, res in (("as", resource.RLIMIT_AS), ("stack", resource.RLIMIT_STACK),
                     ("fsize", resource.RLIMIT_FSIZE), ("nproc", resource.RLIMIT_NPROC)):
        value = int(opts.get(key, "0"))
        if value > 0:
            hard = resource.getrlimit(res)[1]
            if hard != _INF and hard < value:
                value = hard
            resource.setrlimit(res, (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child(opts, argv, env, out, err, errw, extra_fd, cg):
    """Runs between fork and exec: as few steps as possible, then exec (never returns)."""
    try:
        if cg:  # first of all: from here on, everything this process and its descendants do is charged
            os.write(cg[_JOIN_CPU], b"0")
            os.write(cg[_JOIN_MEM], b"0")
        os.setpgid(0, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        fd = os.open(opts["stdin"], os.O_RDONLY)
        if fd != 0:
            os.dup2(fd, 0)
            os.close(fd)
        os.chdir(opts["cwd"])
        # Python ignores SIGPIPE and SIGXFSZ and exec keeps ignored signals ignored: restore defaults.
        for sig in (_signal.SIGPIPE, _signal.SIGXFSZ, _signal.SIGINT, _signal.SIGALRM):
            _signal.signal(sig, _signal.SIG_DFL)
        if extra_fd is not None:
            # Always the same fd number: valgrind's own argv shifts the client's stack, and so its count.
            os.dup2(extra_fd, _VG_LOG_FD)
            os.set_inheritable(_VG_LOG_FD, True)
        _set_limits(opts)
        os.execve(argv[0], argv, env)
    except BaseException as exc:  # report anything, then die without running the launcher's code
        try:
            os.write(errw, f"{type(exc).__name__}: {exc}".encode("utf-8", "replace"))
        finally:
            os._exit(127)


def _read_all(fd):
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _read_available(fd):
    """Read what is there without blocking (a stray holder of the write end must not hang us)."""
    os.set_blocking(fd, False)
    chunks = []
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    except BlockingIOError:
        pass
    return b"".join(chunks)


def _instructions(log):
    """Parse cachegrind's ``==12== I   refs:      1,234,567`` summary line."""
    for line in log.decode("utf-8", "replace").splitlines():
        head, sep, tail = line.partition("refs:")
        if sep and head.split("==")[-1].strip() == "I":
            digits = "".join(ch for ch in tail if ch.isdigit())
            if digits:
                return int(digits)
    return None


def _count_procs():
    return sum(1 for name in os.listdir("/proc") if name.isdigit())


def _cg_read(fd):
    """One integer from a cgroup file (kernfs regenerates the text on every read from offset 0)."""
    return int(os.pread(fd, 64, 0).split()[0])


def _cg_write(fd, value):
    os.pwrite(fd, str(value).encode(), 0)


def _cg_members(cg):
    return [int(pid) for pid in os.pread(cg[_MEMBERS], 1 << 20, 0).split()]


def _cg_reset(cg, limit):
    """Counters back to zero before a test; returns the charge earlier tests left (page cache)."""
    if _cg_read(cg[_MEM_NOW]) > _STALE_MAX:
        try:
            _cg_write(cg[_EMPTY], 0)
        except OSError:
            pass
    _cg_write(cg[_LIMIT], limit if limit > 0 else -1)
    _cg_write(cg[_USAGE], 0)
    _cg_write(cg[_FAILCNT], 0)
    _cg_write(cg[_PEAK], 0)  # the peak restarts from the current usage
    return _cg_read(cg[_MEM_NOW])


def _kill_members(cg):
    """Without a pid namespace, the group's member list is the only complete list of the program's tree."""
    for _ in range(1000):
        pids = _cg_members(cg)
        if not pids:
            return True
        for pid in pids:
            try:
                os.kill(pid, _signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.001)
    return False


def _children():
    """Our direct children (adopted orphans included, as subreaper)."""
    me = os.getpid()
    try:
        with open(f"/proc/{me}/task/{me}/children", "rb") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def _reap_all():
    """As subreaper: kill and reap every remaining descendant; their summed CPU and largest RSS."""
    cpu = 0.0
    peak = 0
    deadline = time.monotonic() + 2.0
    while True:
        try:
            pid, _, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return cpu, peak, True
        if pid:
            cpu += usage.ru_utime + usage.ru_stime
            peak = max(peak, usage.ru_maxrss)
            continue
        if time.monotonic() > deadline:
            return cpu, peak, False
        for child in _children():  # orphans that left the process group (setsid) are still ours
            try:
                os.kill(child, _signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.001)


class _Watch:
    """State shared with the SIGALRM handler: deadline, process budget and why we killed."""

    def __init__(self, pid, deadline, maxprocs, pidns, base, cg, cpu_ns):
        self.pid = pid
        self.deadline = deadline
        self.maxprocs = maxprocs
        self.pidns = pidns
        self.base = base
        self.cg = cg
        self.cpu_ns = cpu_ns
        self.reason = None

    def tick(self, signum, frame):
        if self.reason is not None:
            return
        if time.monotonic() >= self.deadline:
            self.reason = "wall"
        elif self.cg and self.cpu_ns > 0 and _cg_read(self.cg[_USAGE]) > self.cpu_ns:
            self.reason = "cpu"  # the tree's CPU: RLIMIT_CPU only sees one process at a time
        elif self.maxprocs > 0 and self.pidns and _count_procs() - self.base > self.maxprocs:
            self.reason = "procs"
        if self.reason is not None:
            _kill_all(self.pid, self.pidns, self.cg)


def _kill_all(pgid, pidns, cg=None):
    """Kill the program and every process it made.

    Inside our own pid namespace (we are pid 2 under bwrap's init) ``kill(-1)`` reaches every process in
    the sandbox but us and init, including ones that left the process group with setsid. Outside a
    namespace the process group is killed, and the accounting group's members when there is one.
    """
    if pidns and os.getpid() == 2:
        try:
            os.kill(-1, _signal.SIGKILL)
        except OSError:
            pass
    try:
        os.killpg(pgid, _signal.SIGKILL)
    except OSError:
        pass
    if cg and not pidns:
        for pid in _cg_members(cg):
            try:
                os.kill(pid, _signal.SIGKILL)
            except OSError:
                pass


def _wait_exit(pid):
    """Wait for exit without reaping, so the pid (and its group id) cannot be reused while we kill."""
    try:
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    except ChildProcessError:
        pass


def _vg_argv(argv, opts):
    """Give valgrind a private log pipe so the program's stderr cannot fake or hide the count."""
    if opts.get("vglog") != "1":
        return argv, None, None
    r, w = os.pipe()
    return [(f"--log-fd={_VG_LOG_FD}" if a == "--log-fd=@" else a) for a in argv], r, w


def _settle(pidns):
    """After a kill(-1), wait (briefly) until bwrap's init has reaped everything; False if it did not."""
    if not (pidns and os.getpid() == 2):
        return True
    for _ in range(500):
        if _count_procs() <= 2:
            return True
        time.sleep(0.002)
    return False


def _modes(pidns):
    """Permissions of the writable sandbox directories, as found when the sandbox started."""
    if not pidns:
        return {}
    return {d: os.stat(d).st_mode & 0o7777 for d in ("/tmp", "/dev/shm")}


def _is_dirty(opts, pidns, modes):
    """Whether this execution left state behind that the next one could see."""
    if os.listdir(opts["cwd"]):
        return True
    if not pidns:
        return False  # the host's /dev/shm and SysV IPC are not ours to judge
    for d, mode in modes.items():
        try:
            if os.listdir(d) or (os.stat(d).st_mode & 0o7777) != mode:
                return True
        except OSError:
            return True
    for path in _SYSVIPC:
        try:
            with open(path, "rb") as fh:
                if len(fh.read().splitlines()) > 1:
                    return True
        except OSError:
            pass
    return False


def execute(argv, out, err, report, pidns, modes, acct, cg):
    """Supervise one execution and report it (CPU and memory of the whole tree, see the module docstring)."""
    opts, prog = _parse(argv)
    env = {}
    for item in opts["env"]:
        key, _, value = item.partition("=")
        env[key] = value
    wall = float(opts.get("wall", "0"))
    tick = float(opts.get("tick", "0"))
    base = _count_procs() if pidns else 0
    prog, vg_r, vg_w = _vg_argv(prog, opts)
    stale = _cg_reset(cg, int(opts.get("memlimit", "0"))) if cg else 0
    errr, errw = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(opts, prog, env, out, err, errw, vg_w, cg)
    os.close(errw)
    if vg_w is not None:
        os.close(vg_w)
    failure = _read_all(errr)
    os.close(errr)
    if failure:
        os.waitpid(pid, 0)
        if vg_r is not None:
            os.close(vg_r)
        _emit(report, event="error", message="exec failed: " + failure.decode("utf-8", "replace"))
        return
    _emit(report, event="started", pid=pid)
    cpu_ns = int(float(opts.get("cpu", "0")) * 1e9)
    watch = _Watch(pid, start + wall if wall > 0 else float("inf"), int(opts.get("maxprocs", "0")),
                   pidns, base, cg, cpu_ns)
    _signal.signal(_signal.SIGALRM, watch.tick)
    if tick > 0 or wall > 0:
        interval = tick if tick > 0 else wall
        _signal.setitimer(_signal.ITIMER_REAL, interval, interval)
    try:
        _wait_exit(pid)
    finally:
        _signal.setitimer(_signal.ITIMER_REAL, 0, 0)
    elapsed = time.monotonic() - start
    # The tree ends with the main process: leftovers (background children, daemons, orphans still writing)
    # are killed now, so nothing they do later is charged or credited (the zombie leader keeps the pgid ours).
    _kill_all(pid, pidns, cg)
    _, status, usage = os.wait4(pid, 0)
    main_cpu = usage.ru_utime + usage.ru_stime
    cpu, maxrss_kb, gone = main_cpu, usage.ru_maxrss, True
    if acct == "subreaper":
        orphans_cpu, orphans_rss, gone = _reap_all()
        cpu, maxrss_kb = main_cpu + orphans_cpu, max(maxrss_kb, orphans_rss)
    elif cg and not pidns:
        gone = _kill_members(cg)
    settled = _settle(pidns) and gone
    memory_hit = False
    if cg:
        cpu = _cg_read(cg[_USAGE]) / 1e9
        maxrss_kb = max(0, _cg_read(cg[_PEAK]) - stale) // 1024
        memory_hit = _cg_read(cg[_FAILCNT]) > 0
    instructions = None
    if vg_r is not None:
        instructions = _instructions(_read_available(vg_r))
        os.close(vg_r)
    _emit(report, event="done",
          exit_code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
          signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
          cpu_s=cpu, maxrss_kb=maxrss_kb, main_cpu_s=main_cpu, main_maxrss_kb=usage.ru_maxrss,
          utime_s=usage.ru_utime, stime_s=usage.ru_stime, accounting=acct, memory_limit_hit=memory_hit,
          wall_s=elapsed, killed=watch.reason,
          instructions=instructions, dirty=(not settled) or _is_dirty(opts, pidns, modes))


def _become_subreaper():
    """Orphans of the program are reparented to us instead of init, so we can reap and charge them.

    ctypes is imported only in this mode: its heap raises the floor of every forked child's ru_maxrss.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def _received_fds(ancdata):
    fds = []
    for level, kind, data in ancdata:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            usable = len(data) - len(data) % 4
            fds += [int.from_bytes(data[i:i + 4], sys.byteorder, signed=True) for i in range(0, usable, 4)]
    return fds


def serve(sock_fd, pidns, acct, cg):
    """Handle requests until the app closes its end of the socket."""
    os.set_inheritable(sock_fd, False)
    for fd in cg:  # the program must never hold them (the child joins before exec, then they close)
        os.set_inheritable(fd, False)
    if acct == "subreaper":
        _become_subreaper()
    sock = _socket.socket(fileno=sock_fd)
    modes = _modes(pidns)
    while True:
        data, ancdata, _, _ = sock.recvmsg(_MAX_REQUEST, _socket.CMSG_SPACE(3 * 4),
                                           _socket.MSG_CMSG_CLOEXEC)
        fds = _received_fds(ancdata)
        if not data and not fds:
            return 0
        try:
            if len(fds) == 3:
                execute(data.decode("utf-8").split("\0"), fds[0], fds[1], fds[2], pidns, modes, acct, cg)
        except BaseException as exc:
            if len(fds) == 3:
                _emit(fds[2], event="error", message=f"launcher: {type(exc).__name__}: {exc}")
            if not isinstance(exc, Exception):
                raise
        finally:
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass


def main():
    opts = dict(arg.partition("=")[::2] for arg in sys.argv[1:])
    acct = opts.get("acct", "subreaper")
    cg = [int(fd) for fd in opts["cg"].split(",")] if acct == "cgroup-v1" else []
    return serve(int(opts["sock"]), opts.get("pidns") == "1", acct, cg)


if __name__ == "__main__":
    os._exit(main())
