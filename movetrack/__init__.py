"""movetrack: MOVE-style module tracking for supported work."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from movetrack import config as settings
from movetrack.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings.settings_from_environment(app.instance_path))
    app.config.from_mapping(overrides or {})
    # static/ sits beside the package (see the README's layout) so pictograms are easy to find.
    app.static_folder = app.config["STATIC_ROOT"]

    configure_logging(app)
    trust_proxies(app)
    init_extensions(app)
    register_blueprints(app)
    register_cli(app)
    return app


def configure_logging(app: Flask) -> None:
    logging.basicConfig(
        level=app.config["LOG_LEVEL"],
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    if not app.config["SECRET_KEY_FROM_ENV"] and not app.testing:
        app.logger.warning("SECRET_KEY is not set: sessions end when the app restarts.")


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES proxies, the client's address, scheme and host come from
    their X-Forwarded-* headers; otherwise those headers are ignored, since anyone can
    send them (and would pick their own address for the sign-in limits)."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def init_extensions(app: Flask) -> None:
    from movetrack import models  # noqa: F401  (registers every table with the metadata)
    from movetrack.i18n import select_locale, select_timezone
    from movetrack.offline import prefetch
    from movetrack.security import init_security
    from movetrack.unit_of_work import init_app as init_unit_of_work

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them; PostgreSQL ignores it
        compare_type=True,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # The unit of work first: Flask runs after_request functions last-registered first, so
    # the commit comes after security's headers, which ask whether someone is signed in
    # (after the commit that would reload the expired user: one more query per page).
    init_unit_of_work(app)
    init_security(app)
    prefetch.init_app(app)


def register_blueprints(app: Flask) -> None:
    from movetrack.admin.routes import bp as admin_bp
    from movetrack.attendance.routes import bp as attendance_bp
    from movetrack.auth.routes import bp as auth_bp
    from movetrack.caseworker.routes import bp as caseworker_bp
    from movetrack.certificates.routes import bp as certificates_bp
    from movetrack.consent.routes import bp as consent_bp
    from movetrack.day.routes import bp as day_bp
    from movetrack.followups.routes import bp as followups_bp
    from movetrack.input import init_input
    from movetrack.main.errors import register_error_handlers
    from movetrack.main.routes import bp as main_bp
    from movetrack.media.routes import bp as media_bp
    from movetrack.modules.routes import bp as modules_bp
    from movetrack.mypages.routes import bp as mypages_bp
    from movetrack.offline.routes import bp as offline_bp
    from movetrack.participants.routes import bp as participants_bp
    from movetrack.placements.routes import bp as placements_bp
    from movetrack.privacy.routes import bp as privacy_bp
    from movetrack.progress.routes import bp as progress_bp
    from movetrack.quality.routes import bp as quality_bp
    from movetrack.stats.routes import bp as stats_bp

    init_input(app)  # bounded ids and NUL-free text, before any route is added
    blueprints = (
        main_bp, auth_bp, day_bp, progress_bp, participants_bp, modules_bp, media_bp, admin_bp,
        certificates_bp, placements_bp, followups_bp, attendance_bp, consent_bp, caseworker_bp,
        stats_bp, mypages_bp, quality_bp, privacy_bp, offline_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    register_error_handlers(app)

    from movetrack.templating import register_template_helpers

    register_template_helpers(app)


def register_cli(app: Flask) -> None:
    from movetrack.backup.cli import export_all_command, import_all_command
    from movetrack.demo import demo_command
    from movetrack.i18n import translate_cli
    from movetrack.modules.cli import modules_cli
    from movetrack.privacy.cli import erase_expired_command
    from movetrack.scale.cli import bench_command, generate_command

    app.cli.add_command(demo_command)
    app.cli.add_command(modules_cli)
    app.cli.add_command(translate_cli)
    app.cli.add_command(erase_expired_command)
    app.cli.add_command(generate_command)
    app.cli.add_command(bench_command)
    app.cli.add_command(export_all_command)
    app.cli.add_command(import_all_command)
