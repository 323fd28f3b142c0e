"""In-sandbox supervisor: for each request, fork, limit, exec the program, wait4 it and report its own rusage.

Why a separate process at all: the parent app cannot measure the program itself.
- ``ru_maxrss`` of a child as seen through ``wait4`` starts from the forking process's high-water mark,
  so a child forked by the (large) app would report the app's size for every program.
- ``wait4`` on ``bwrap`` does not see the sandboxed program's CPU time (pid-namespace reparenting).

This file runs as ``python -I -S -B _launcher.py sock=N pidns=0|1`` (inside bwrap when available) and
serves executions one at a time, for as long as the app keeps the socket open. It imports only builtin
modules (no ``json``: it pulls in ``re``; no ``socket``/``signal``: they pull in ``enum``), so its heap stays
far below a bare interpreter's and a forked child that execs immediately reports the program's own
``ru_maxrss``. Staying alive between executions saves an interpreter start and a sandbox set-up per test.

Protocol. Requests arrive on a SOCK_SEQPACKET socket: one message = NUL-separated argv
(``key=value`` options, ``--``, the program's argv) carrying three fds via SCM_RIGHTS: the program's stdout,
its stderr and a report pipe. Options: wall (s), tick (s, 0 = none), maxprocs, cpu (s), as/stack/fsize
(bytes, 0 = unlimited), nproc (0 = leave), stdin (path), cwd, env (``K=V``, repeatable), vglog (1 = replace
the ``--log-fd=@`` argument with a private pipe and parse cachegrind's "I refs"). The report pipe receives
JSON lines: ``{"event": "started", "pid": N}`` after the fork, then ``{"event": "done", ...}`` or
``{"event": "error", "message": ...}``, and is closed. The launcher never writes to its own stdout/stderr.

Between executions everything the program left is killed (``kill(-1)`` in our private pid namespace,
the process group otherwise) before "done" is sent. "done" carries ``dirty: true`` when something survived
that we do not wipe (files in /tmp or /dev/shm, changed permissions, SysV IPC objects, processes): the app
then discards this sandbox, so no execution ever sees another's leftovers.
"""

import _signal
import _socket
import os
import resource
import sys
import time

_INF = resource.RLIM_INFINITY
_MAX_REQUEST = 1 << 16
_VG_LOG_FD = 3
_SYSVIPC = ("/proc/sysvipc/shm", "/proc/sysvipc/sem", "/proc/sysvipc/msg")


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


def _child(opts, argv, env, out, err, errw, extra_fd):
    """Runs between fork and exec: as few steps as possible, then exec (never returns)."""
    try:
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


class _Watch:
    """State shared with the SIGALRM handler: deadline, process budget and why we killed."""

    def __init__(self, pid, deadline, maxprocs, pidns, base):
        self.pid = pid
        self.deadline = deadline
        self.maxprocs = maxprocs
        self.pidns = pidns
        self.base = base
        self.reason = None

    def tick(self, signum, frame):
        if self.reason is not None:
            return
        if time.monotonic() >= self.deadline:
            self.reason = "wall"
            _kill_all(self.pid, self.pidns)
        elif self.maxprocs > 0 and self.pidns and _count_procs() - self.base > self.maxprocs:
            self.reason = "procs"
            _kill_all(self.pid, self.pidns)


def _kill_all(pgid, pidns):
    """Kill the program and every process it made.

    Inside our own pid namespace (we are pid 2 under bwrap's init) ``kill(-1)`` reaches every process in
    the sandbox but us and init, including ones that left the process group with setsid. Outside a
    namespace only the process group is safe to kill.
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


def execute(argv, out, err, report, pidns, modes):
    """Supervise one execution and report it."""
    opts, prog = _parse(argv)
    env = {}
    for item in opts["env"]:
        key, _, value = item.partition("=")
        env[key] = value
    wall = float(opts.get("wall", "0"))
    tick = float(opts.get("tick", "0"))
    base = _count_procs() if pidns else 0
    prog, vg_r, vg_w = _vg_argv(prog, opts)
    errr, errw = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(opts, prog, env, out, err, errw, vg_w)
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
    watch = _Watch(pid, start + wall if wall > 0 else float("inf"), int(opts.get("maxprocs", "0")),
                   pidns, base)
    _signal.signal(_signal.SIGALRM, watch.tick)
    if tick > 0 or wall > 0:
        interval = tick if tick > 0 else wall
        _signal.setitimer(_signal.ITIMER_REAL, interval, interval)
    try:
        _wait_exit(pid)
    finally:
        _signal.setitimer(_signal.ITIMER_REAL, 0, 0)
    elapsed = time.monotonic() - start
    _kill_all(pid, pidns)  # leftovers: background children, daemons (the zombie leader keeps the pgid ours)
    _, status, usage = os.wait4(pid, 0)
    settled = _settle(pidns)
    instructions = None
    if vg_r is not None:
        instructions = _instructions(_read_available(vg_r))
        os.close(vg_r)
    _emit(report, event="done",
          exit_code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
          signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
          cpu_s=usage.ru_utime + usage.ru_stime, utime_s=usage.ru_utime, stime_s=usage.ru_stime,
          maxrss_kb=usage.ru_maxrss, wall_s=elapsed, killed=watch.reason,
          instructions=instructions, dirty=(not settled) or _is_dirty(opts, pidns, modes))


def _received_fds(ancdata):
    fds = []
    for level, kind, data in ancdata:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            usable = len(data) - len(data) % 4
            fds += [int.from_bytes(data[i:i + 4], sys.byteorder, signed=True) for i in range(0, usable, 4)]
    return fds


def serve(sock_fd, pidns):
    """Handle requests until the app closes its end of the socket."""
    os.set_inheritable(sock_fd, False)
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
                execute(data.decode("utf-8").split("\0"), fds[0], fds[1], fds[2], pidns, modes)
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
    return serve(int(opts["sock"]), opts.get("pidns") == "1")


if __name__ == "__main__":
    os._exit(main())
