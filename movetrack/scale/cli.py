"""`flask generate` and `flask bench` (see docs/performance.md)."""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
import time

import click
from flask.cli import with_appcontext


@click.command("generate")
@click.option("--participants", default=10_000, show_default=True, help="Synthetic participants to add.")
@click.option("--years", default=5, show_default=True, help="Years of history, up to today.")
@click.option("--seed", default=1, show_default=True, help="The same seed gives the same data.")
@with_appcontext
def generate_command(participants: int, years: int, seed: int) -> None:
    """Load the demo, then add a large municipality's synthetic history (bulk inserts)."""
    counts, seconds = load(participants, years, seed)
    click.echo(json.dumps({"seconds": round(seconds, 1), "rows": counts}, indent=2))


def load(participants: int, years: int, seed: int) -> tuple[dict, float]:
    """The demo, then the synthetic data, each saved in one unit of work; rows and seconds."""
    from movetrack.demo import _load_demo
    from movetrack.scale.generate import generate, progress_bar
    from movetrack.unit_of_work import unit_of_work

    began = time.perf_counter()
    # The demo's own lines go to stderr with the progress, keeping stdout for the result.
    with unit_of_work(), contextlib.redirect_stdout(sys.stderr):
        _load_demo()
    with unit_of_work(), progress_bar(participants, "participants") as bar:
        counts = generate(participants, years, seed, bar.update)
    return counts, time.perf_counter() - began



@click.command("bench")
@click.option("--smoke", is_flag=True, help="CI: the small scale only; answers and query counts, no times.")
@click.option("--small-url", help="A database prepared for the small scale (else a fresh SQLite file).")
@click.option("--large-url", help="A database prepared for the large scale (else a fresh SQLite file).")
@click.option("--small-participants", default=6, show_default=True, help="About 1,000 ratings with the demo.")
@click.option("--large-participants", default=10_000, show_default=True, help="About 1,000,000 ratings.")
@click.option("--years", default=5, show_default=True, help="Years of history at the large scale.")
@click.option("--seed", default=1, show_default=True)
@click.option("--repeat", default=15, show_default=True, help="Timed requests per page.")
@click.option("--prepare", is_flag=True, help="Migrate and fill the given (empty) databases first.")
def bench_command(smoke, small_url, large_url, small_participants, large_participants, years, seed, repeat,
                  prepare):
    """Time every budgeted page at a small and a large scale; print JSON with the ratios.
    Exits 1 when a page does not answer or a query-count budget fails."""
    from movetrack.scale import bench

    def ready(url: str | None, scale: str, participants: int, span: int) -> str:
        """The URL given, else a fresh SQLite file; migrated and filled when it is new."""
        if url and not prepare:
            return url
        url = url or f"sqlite:///{scratch}/{scale}.db"
        click.echo(f"preparing the {scale} scale", err=True)
        bench.prepare(url, participants, span, seed)
        return url

    with tempfile.TemporaryDirectory(prefix="movetrack-bench-") as scratch:
        small = bench.measure_scale(ready(small_url, "small", small_participants, 1), repeat, "small",
                                    timed=not smoke)
        large = None
        if not smoke:
            large = bench.measure_scale(ready(large_url, "large", large_participants, years), repeat, "large")
    checks = bench.budgets(small, large)
    failed = [check for check in checks if not check["ok"]]
    result = {"small": small, "large": large, "ratios": bench.ratios(small, large) if large else None,
              "budgets_failed": failed, "budgets_checked": len(checks)}
    click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    if any(check["decides_exit"] for check in failed):
        raise SystemExit(1)
