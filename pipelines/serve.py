"""`annex serve`: the nightly service, the Dagster webserver (the UI) and the Dagster daemon
(schedule, sensors, run queue) on a persistent instance, stopped cleanly by SIGTERM or Ctrl-C.

Each of the two is a child process that starts its own code server; on a stop signal both are
asked to stop as Dagster stops them itself (SIGINT), and whatever is left of the process tree
after GRACE_SECONDS (a code server, a build in progress) is killed, so that the service ends
within 10 s leaving no process behind. Orphaned grandchildren are re-parented to this
process (a Linux child subreaper), so it sees them to the end.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import psutil
import yaml

from pipelines.alerts import UI_URL_VAR
from pipelines.lib.config import PROJECT_ROOT

INSTANCE_TEMPLATE = PROJECT_ROOT / "deploy" / "dagster.yaml"
WORKSPACE = PROJECT_ROOT / "deploy" / "workspace.yaml"
# Dagster's own shutdown gets this long; what is left then is killed: all within 10 s.
GRACE_SECONDS = 4.0
KILL_WAIT_SECONDS = 1.5
PR_SET_CHILD_SUBREAPER = 36


def default_home() -> Path:
    """$DAGSTER_HOME, else the instance folder in the user's state folder."""
    if home := os.environ.get("DAGSTER_HOME"):
        return Path(home).expanduser().resolve()
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "coop-annex" / "dagster"


def prepare_instance(home: Path) -> list[str]:
    """Make `home` an instance folder of the service: deploy/dagster.yaml copied in when it has
    none. Returns what to tell the operator (an existing configuration with telemetry on)."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    config = home / "dagster.yaml"
    if not config.exists():
        # the two units of a service manager may both start at once: one whole file wins
        partial = config.with_name(f".dagster.yaml.{os.getpid()}")
        shutil.copyfile(INSTANCE_TEMPLATE, partial)
        partial.replace(config)
        return [f"instance configuration written: {config} (from {INSTANCE_TEMPLATE})"]
    try:
        settings = yaml.safe_load(config.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        return [f"{config}: not read ({type(exc).__name__}); Dagster will say what is wrong"]
    telemetry = settings.get("telemetry") if isinstance(settings, dict) else None
    if not (isinstance(telemetry, dict) and telemetry.get("enabled") is False):
        return [
            f"{config}: Dagster's telemetry is on; add `telemetry: {{enabled: false}}` "
            f"as in {INSTANCE_TEMPLATE}"
        ]
    return []


INTERRUPTED = "the service stopped while this run was in progress (annex serve)"


def fail_interrupted_runs() -> list[str]:
    """Mark failed the runs this service launched that are still marked in progress, when
    none of them can be running (the service stopped, or ended without stopping them: a
    reboot). Dagster's default launcher cannot tell that a run's process died: such a run
    would stay in progress for ever, and hold the queue (one run at a time) with it. Runs of
    `annex build`, in their own process and launched by no code location, are left alone.
    Their failure is alerted like any other."""
    import dagster as dg

    instance = dg.DagsterInstance.get()
    in_progress = [
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
        dg.DagsterRunStatus.CANCELING,
    ]
    said = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=in_progress)):
        if run.remote_job_origin is None:
            continue
        instance.report_run_failed(run, INTERRUPTED)
        said.append(f"run {run.run_id[:8]} ({run.job_name}) marked failed: {INTERRUPTED}")
    return said


def commands(host: str, port: int, only: str | None = None) -> dict[str, list[str]]:
    """The command line of each service, with this interpreter's Dagster."""
    scripts = Path(sys.executable).parent
    location = ["-w", str(WORKSPACE)]
    every = {
        "webserver": [str(scripts / "dagster-webserver"), "-h", host, "-p", str(port), *location],
        "daemon": [str(scripts / "dagster-daemon"), "run", *location],
    }
    return {name: argv for name, argv in every.items() if only in (None, name)}


def serve(
    host: str = "127.0.0.1", port: int = 3000, home: Path | None = None, only: str | None = None
) -> int:
    """Run the service until SIGTERM or SIGINT; 0 after a requested stop, 1 when a service
    ended by itself (the other is then stopped too: a supervisor restarts both)."""
    home = home or default_home()
    for note in prepare_instance(home):
        say(note)
    os.environ["DAGSTER_HOME"] = str(home)  # for the children, and this process's own look
    env = dict(os.environ)
    runs_here = only in (None, "daemon")  # the daemon launches every run, the UI's too
    if runs_here:
        for note in fail_interrupted_runs():  # left by a service that never stopped them
            say(note)
    env.setdefault(UI_URL_VAR, f"http://{host}:{port}")
    stop_signal: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop_signal.append(signum)

    # set before the children start: they begin with the default handlers, even where this
    # process was started with SIGINT ignored (a shell's background job)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    _become_subreaper()
    say(f"instance: {home} (run history, schedule and sensor state)")
    children: dict[str, subprocess.Popen] = {}
    for name, argv in commands(host, port, only).items():
        children[name] = subprocess.Popen(argv, env=env, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL)
        say(f"{name} started (pid {children[name].pid})")
    ready = "webserver" not in children
    status = 0
    while not stop_signal:
        ended = [name for name, child in children.items() if child.poll() is not None]
        if ended:
            say(
                f"the {ended[0]} ended by itself (status {children[ended[0]].returncode}): stopping"
            )
            status = 1
            break
        if not ready and _answers(f"http://{host}:{port}/server_info"):
            ready = True
            say(f"Dagster UI: {env[UI_URL_VAR]}")
        time.sleep(0.2 if ready else 1.0)
    if stop_signal:
        say(f"{signal.Signals(stop_signal[0]).name} received: stopping")
    started = time.monotonic()
    stop(list(children.values()))
    if runs_here:
        for note in fail_interrupted_runs():
            say(note)
    say(f"stopped in {time.monotonic() - started:.1f} s")
    return status


def stop(children: Sequence[subprocess.Popen]) -> None:
    """Ask every process of the tree to stop as Dagster expects (SIGINT), then kill what is
    left after GRACE_SECONDS; returns once every one of them has ended."""
    me = psutil.Process()
    for process in _tree(me):
        _signal(process, signal.SIGINT)
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline and _tree(me):
        _reap(children)
        time.sleep(0.1)
    left = _tree(me)
    if left:
        names = ", ".join(_named(process) for process in left)
        say(f"still running after {GRACE_SECONDS:.0f} s, so killed: {names}")
    for process in left:
        _signal(process, signal.SIGKILL)
    psutil.wait_procs(left, timeout=KILL_WAIT_SECONDS)
    _reap(children)


def say(line: str) -> None:
    print(f"annex serve: {line}", flush=True)


def _tree(me: psutil.Process) -> list[psutil.Process]:
    """The processes under this one still running (not zombies)."""
    alive = []
    for process in me.children(recursive=True):
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            continue
    return alive


def _named(process: psutil.Process) -> str:
    try:
        argv = process.cmdline()
    except psutil.Error:
        return str(process.pid)
    words = [Path(argv[0]).name, *argv[1:3]] if argv else []
    return f"{' '.join(words)} (pid {process.pid})"


def _reap(children: Sequence[subprocess.Popen]) -> None:
    for child in children:
        child.poll()
    # orphans re-parented to this process are reaped here
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _signal(process: psutil.Process, signum: int) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        process.send_signal(signum)


def _become_subreaper() -> None:
    """Linux: orphaned descendants (a code server whose parent ended first) become this
    process's children, so that `stop` still sees them. Elsewhere, nothing."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
