"""Real `slackbridge run` processes for chaos tests and benchmarks: start, kill -9, restart, always clean up.

Each process runs in its own session, so `os.killpg` reaches it and anything it forked (a web server's
master and its workers). Output goes to one log file per process, kept across restarts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import requests

READY_TIMEOUT = 45.0  # a cold start imports Bolt, tweepy and SQLAlchemy on a busy machine


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


class FleetError(RuntimeError):
    """A process could not be started or did not become ready."""


def free_port() -> int:
    """A port nobody listens on right now (the kernel's choice, released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_command(args: list[str], env: Mapping[str, str], cwd: Path, timeout: float = 120.0) -> str:
    """Run `python -m slackbridge <args>` to completion; its output, or FleetError with it."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "slackbridge", *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise FleetError(f"slackbridge {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


@dataclass
class Member:
    """One `slackbridge run --port P` process (restarted under the same name and, if it can, port)."""

    name: str
    role: str  # "web" gets Slack's requests; "worker" only runs
    port: int
    log_path: Path
    env: dict[str, str]
    cwd: Path
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0
    exits: list[int] = field(default_factory=list)  # exit codes of deaths we did not cause
    ready_at: float = 0.0  # when /healthz last answered after a start (monotonic clock)
    closed: bool = False  # the fleet is stopping: nothing may start again
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # start vs kill vs close

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> None:
        with self._lock:
            if self.closed:
                raise FleetError(f"{self.name} was not started: the fleet is stopping")
            self._start()

    def _start(self) -> None:
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(
                f"\n===== {_now()} start #{self.starts} of {self.name} on port {self.port} =====\n".encode()
            )
            log.flush()
            self.popen = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "slackbridge", "run", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Until /healthz answers 200 (the store is reachable); FleetError if the process died first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen is None or self.popen.poll() is not None:
                code = None if self.popen is None else self.popen.returncode
                raise FleetError(f"{self.name} exited with {code} while starting (see {self.log_path})")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    self.ready_at = time.monotonic()
                    return
            time.sleep(0.1)
        raise FleetError(f"{self.name} was not ready on port {self.port} after {timeout:.0f}s")

    def kill(self) -> None:
        """kill -9 the process and everything in its session, and reap it."""
        with self._lock:
            self._kill()

    def close(self) -> None:
        """Kill it for good: a restart in flight elsewhere cannot bring it back."""
        with self._lock:
            self.closed = True
            self._kill()

    def _kill(self) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.kills += 1
            with contextlib.suppress(OSError), self.log_path.open("ab") as log:
                log.write(f"\n===== {_now()} kill -9 {self.name} =====\n".encode())
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)

    def restart(self) -> None:
        """Start again; if the old port cannot be bound any more, move to a fresh one."""
        for attempt in range(3):
            self.start()
            try:
                self.wait_ready()
                return
            except FleetError:
                self.kill()
                if attempt == 2 or self.closed:
                    raise
                self.port = free_port()

    def note_unexpected_exit(self) -> None:
        if self.popen is not None and self.popen.poll() is not None:
            code = self.popen.returncode
            if code != -signal.SIGKILL:
                self.exits.append(code)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class Fleet:
    """The processes of one run; leaving the `with` block kills every one of them."""

    def __init__(self, env: Mapping[str, str], workdir: Path, *, web: int, workers: int) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.members = [
            Member(
                name=f"{role}-{n}",
                role=role,
                port=free_port(),
                log_path=workdir / f"{role}-{n}.log",
                env=dict(env),
                cwd=workdir,
            )
            for role, count in (("web", web), ("worker", workers))
            for n in range(1, count + 1)
        ]

    @property
    def web(self) -> list[Member]:
        return [m for m in self.members if m.role == "web"]

    def start(self) -> None:
        for member in self.members:
            member.start()
        for member in self.members:
            member.wait_ready()

    def stop(self) -> None:
        for member in self.members:
            if member.popen is not None and member.popen.poll() is not None:
                member.note_unexpected_exit()
            member.close()

    def __enter__(self) -> Fleet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count_in_logs(self, needle: str) -> int:
        """Lines containing `needle` in every process's log (e.g. "Traceback", " ERROR ")."""
        total = 0
        for member in self.members:
            with contextlib.suppress(OSError):
                total += sum(
                    needle in line for line in member.log_path.read_text(errors="replace").splitlines()
                )
        return total

    def logs(self, lines: int = 40) -> str:
        return "\n".join(f"----- {m.name} ({m.log_path}) -----\n{m.log_tail(lines)}" for m in self.members)
