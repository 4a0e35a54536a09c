"""The benchmark's smoke mode (what CI runs) and the generator behind it."""

from __future__ import annotations

import json

import sqlalchemy as sa

from movetrack.scale.bench import PAGES, QUERY_BUDGET, bench_app, prepare


def test_the_smoke_bench_answers_every_page_within_the_query_budget(app):
    result = app.test_cli_runner().invoke(args=["bench", "--smoke"])

    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    pages = report["small"]["pages"]
    assert set(pages) == {page.name for page in PAGES}
    assert all(page["status"] == 200 for page in pages.values()), pages
    assert all(page["queries"] <= QUERY_BUDGET for page in pages.values()), pages
    assert "median_ms" not in pages["day_view"]  # the smoke mode times nothing
    assert 500 <= report["small"]["ratings"] <= 3000  # "about 1,000 ratings"
    assert report["budgets_failed"] == []


def _story(url: str) -> list[tuple]:
    """What the generator decided, without the ids of the demo's rows before it."""
    from movetrack.placements.models import Placement
    from movetrack.progress.models import Rating

    with bench_app(url).app_context():
        from movetrack.extensions import db

        ratings = db.session.execute(sa.select(Rating.assignment_id, Rating.step, Rating.rated_on,
                                               Rating.corrects_id).order_by(Rating.id)).all()
        placements = db.session.execute(sa.select(
            Placement.participant_id, Placement.status, Placement.received_on, Placement.start_date,
            Placement.end_date, Placement.exit_outcome).order_by(Placement.id)).all()
        db.session.remove()
    return ratings + placements


def test_the_generator_makes_the_same_history_for_the_same_seed(tmp_path):
    urls = [f"sqlite:///{tmp_path}/{name}.db" for name in ("first", "second", "other")]
    for url, seed in zip(urls, (7, 7, 8), strict=True):
        prepare(url, participants=12, years=2, seed=seed)

    first, second, other = (_story(url) for url in urls)

    assert first == second
    assert first != other
    assert len(first) > 500  # a dozen people over two years: hundreds of ratings
