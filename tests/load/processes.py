"""Real processes for the load and multi-server tests: a PostgreSQL server of our own and
gunicorn app servers, started, killed and restarted from Python."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(ready, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.1)


def flask_command(database_url: str, *args: str) -> None:
    """`flask --app movetrack …` against a database, as an operator would run it."""
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "movetrack", *args],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url}, check=True,
        stdout=subprocess.DEVNULL,
    )


class PrivatePostgres:
    """A PostgreSQL cluster in a scratch folder on a free port. The fault run restarts it in
    the middle of the load, which must not disturb anyone else's database on the machine."""

    def __init__(self, folder: Path):
        if not POSTGRES_BIN:
            raise RuntimeError("PostgreSQL's server programs are not installed (/usr/lib/postgresql)")
        self.bin = POSTGRES_BIN[-1]
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.log = folder / "postgres.log"

    def _run(self, *command: str) -> None:
        # PostgreSQL refuses to run as root; CI runs as root, so the server runs as postgres.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, stdout=subprocess.DEVNULL)

    def start(self) -> PrivatePostgres:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            self.folder.parent.chmod(0o711)  # the postgres user passes through a root-made temp folder
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8", "--locale=C")
        self._pg_ctl("start")
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                  "movetrack")
        return self

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run(str(self.bin / "pg_ctl"), action, "-D", str(self.data), "-l", str(self.log),
                  "-o", options, "-w", *extra)

    def restart(self) -> None:
        """Stop at once (every connection is cut, as in a crash) and start again."""
        self._pg_ctl("restart", "-m", "immediate")

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/movetrack"


@dataclass
class AppServer:
    """gunicorn serving wsgi:app, configured by the environment as the README's deployment."""

    database_url: str
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    ratelimit_storage: str = "memory://"
    workers: int = 2
    threads: int = 4
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log: Path) -> AppServer:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": self.secret_key,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage,
            "LOG_LEVEL": "WARNING",
            **self.extra_env,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--threads", str(self.threads),
             "--worker-class", "gthread", "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5",
             # A tablet may wait longer than gunicorn's default 2 s between requests (while the
             # others sign in); a server closing an idle connection just as the client reuses
             # it makes a failed request no fault caused. The same holds behind a load balancer:
             # the app server keeps connections open longer than the balancer does.
             "--keep-alive", "75",
             "wsgi:app"],
            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        )
        wait_until(self.healthy, 60, f"gunicorn on port {self.port} answering /healthz")
        wait_until(lambda: len(self.worker_pids()) == self.workers, 30, "every gunicorn worker starting")
        return self

    def healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def worker_pids(self) -> list[int]:
        """gunicorn's workers: the master's children, read from /proc."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended while we looked
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return sorted(children)

    def kill_a_worker(self) -> int:
        """SIGKILL one worker, as the kernel's OOM killer would; the master starts another."""
        victim = self.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
