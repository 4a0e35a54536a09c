"""`python -m tests.load`: the supervisor's flow from many tablets at once against gunicorn
on a PostgreSQL of its own, once as it is and once with faults (a worker killed, the
database restarted). Prints a JSON report; exits 1 if anything was lost, doubled or
refused, or the app did not recover by itself.

    python -m tests.load --clients 32 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from tests.load.flow import Supervisor, Tally
from tests.load.processes import AppServer, PrivatePostgres, flask_command

SUPERVISORS = ("handledare", "stallet")  # the demo's two units
DEMO_PASSWORD = "movetrack-demo"


def main() -> int:
    options = _options()
    with tempfile.TemporaryDirectory(prefix="movetrack-load-") as scratch:
        folder = Path(scratch)
        database = PrivatePostgres(folder / "postgres").start()
        server = None
        try:
            _progress(f"PostgreSQL of our own on port {database.port}; migrating and loading the demo")
            flask_command(database.url, "db", "upgrade")
            flask_command(database.url, "demo")
            server = AppServer(database.url, workers=options.workers, threads=options.threads).start(
                folder / "gunicorn.log")
            report = {
                "server": {"workers": options.workers, "threads": options.threads, "worker_class": "gthread"},
                "clients": options.clients, "seconds": options.seconds,
                **asyncio.run(_both_runs(options, server, database)),
            }
            print(json.dumps(report, indent=2, ensure_ascii=False))
            failures = [f"{name}: {problem}" for name in ("steady", "faults") for problem in report[name]["problems"]]
            if failures:  # the app's own account, before the scratch folder goes
                print("gunicorn's log, last lines:", *_tail(folder / "gunicorn.log"), sep="\n", file=sys.stderr)
            for failure in failures:
                print(f"FAILED {failure}", file=sys.stderr)
        finally:
            if server:
                server.stop()
            database.stop()
    return 1 if failures else 0


def _tail(log: Path, lines: int = 60) -> list[str]:
    return log.read_text(errors="replace").splitlines()[-lines:] if log.exists() else ["(no log)"]


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (one per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    return parser.parse_args()


def _progress(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


async def _both_runs(options, server: AppServer, database: PrivatePostgres) -> dict:
    """The tablets sign in once (argon2 is slow by design and is not the flow measured),
    then run as they are, then again with faults."""
    tablets = [
        Supervisor(server.base_url, SUPERVISORS[number % len(SUPERVISORS)], DEMO_PASSWORD, seed=number)
        for number in range(options.clients)
    ]
    _progress(f"{options.clients} tablets signing in")
    await asyncio.gather(*(tablet.sign_in(Tally()) for tablet in tablets))
    runs = {run: await _measured_run(options, tablets, server, database, run) for run in ("steady", "faults")}
    await asyncio.gather(*(tablet.http.aclose() for tablet in tablets))
    return runs


async def _measured_run(options, tablets: list[Supervisor], server: AppServer, database: PrivatePostgres,
                        run: str) -> dict:
    before = _stored_counts(database.url)
    tally = Tally()
    _progress(f"{run}: {options.clients} tablets for {options.seconds:.0f} s")
    started = time.monotonic()
    until = started + options.seconds
    work = [
        asyncio.create_task(tablet.run(until, tally, run, _check_in_share(run, number, len(tablets))))
        for number, tablet in enumerate(tablets)
    ]
    injected = await _inject_faults(options.seconds, server, database) if run == "faults" else []
    await asyncio.gather(*work)
    seconds = time.monotonic() - started
    report = {**tally.summary(seconds), "faults_injected": injected}
    report["stored"] = _check_stored(database.url, tally, before, run)
    report["recovered"] = _recovered(server) if injected else None
    report["problems"] = _problems(report, bool(injected))
    return report


async def _inject_faults(seconds: float, server: AppServer, database: PrivatePostgres) -> list[str]:
    """A third of the way in, a worker dies; two thirds in, PostgreSQL stops at once and starts again."""
    await asyncio.sleep(seconds / 3)
    injected = [f"killed gunicorn worker {server.kill_a_worker()} at {seconds / 3:.0f} s"]
    _progress(injected[-1])
    await asyncio.sleep(seconds / 3)
    await asyncio.to_thread(database.restart)
    injected.append(f"restarted PostgreSQL (immediate stop) at {2 * seconds / 3:.0f} s")
    _progress(injected[-1])
    return injected


def _check_in_share(run: str, tablet: int, tablets: int):
    """The placements this tablet checks in during this run: each run has its half of the
    day's people (the steady run the even placement ids), and of those each tablet of a unit
    its own (tablet n signs in as SUPERVISORS[n % 2], so a unit's tablets are every other one)."""
    parity = 0 if run == "steady" else 1
    per_unit = max(1, tablets // len(SUPERVISORS))
    return lambda placement: placement % 2 == parity and (placement // 2) % per_unit == tablet // len(SUPERVISORS)


def _stored_counts(url: str) -> dict[str, int]:
    with sa.create_engine(_driver(url)).connect() as connection:
        return {
            "ratings": connection.scalar(sa.text("SELECT count(*) FROM ratings")),
            "attendance": connection.scalar(sa.text("SELECT count(*) FROM attendance")),
        }


def _check_stored(url: str, tally: Tally, before: dict[str, int], run: str) -> dict:
    """Every answered recording is in the database once, and nothing else was added."""
    after = _stored_counts(url)
    with sa.create_engine(_driver(url)).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT request_key FROM ratings WHERE note LIKE :run"), {"run": f"{run} %"}).all()
        present = set(connection.scalars(sa.text(
            "SELECT placement_id FROM attendance WHERE status = 'present'")))
    stored_keys = [str(key) for (key,) in rows]
    return {
        "ratings_added": after["ratings"] - before["ratings"],
        "steps_lost": len(tally.rating_keys - set(stored_keys)),
        "steps_doubled": len(stored_keys) - len(set(stored_keys)),
        "steps_unexpected": len(set(stored_keys) - tally.rating_keys),
        "check_ins_lost": len(set(tally.check_ins) - present),
        "attendance_added": after["attendance"] - before["attendance"],
    }


def _recovered(server: AppServer) -> dict:
    """After the faults, with nobody retrying: every worker answers at once."""
    answers = [httpx.get(f"{server.base_url}/healthz", timeout=5).status_code for _ in range(4 * server.workers)]
    return {"workers": len(server.worker_pids()), "healthz_ok": answers.count(200), "healthz_asked": len(answers)}


def _problems(report: dict, faults: bool) -> list[str]:
    stored = report["stored"]
    problems = [f"{stored[name]} {name.replace('_', ' ')}" for name in
                ("steps_lost", "steps_doubled", "steps_unexpected", "check_ins_lost") if stored[name]]
    if report["errors"]:
        problems.append(f"{report['errors']} refused: {report['first_errors']}")
    if report["unanswered"]:
        problems.append(f"{report['unanswered']} requests never answered")
    if not faults and report["retries"]:
        problems.append(f"{report['retries']} retries without any fault")
    recovered = report["recovered"]
    if recovered and recovered["healthz_ok"] != recovered["healthz_asked"]:
        problems.append(f"not recovered: {recovered}")
    if report["steps_recorded"] == 0:
        problems.append("no step was recorded at all")
    return problems


def _driver(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


if __name__ == "__main__":
    sys.exit(main())
