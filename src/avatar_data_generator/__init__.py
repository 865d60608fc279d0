"""avatar-data-generator: synthetic personas in bulk, queued in the database, made in-process."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, pages, API, health, metrics, worker and CLI."""
    from avatar_data_generator import (
        api,
        auth,
        avatars,
        cli,
        config,
        db,
        health,
        housekeeping,
        logging_setup,
        metrics,
        paths,
        request_safety,
        web,
    )
    from avatar_data_generator.workers import runtime

    settings = config.load_settings(test_config)
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(paths.TEMPLATES),
        static_folder=str(paths.STATIC),
    )
    app.config.update(settings)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.ensure_secret_key(Path(app.instance_path))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        # Behind nginx: take the client address and scheme from X-Forwarded-* (login throttling
        # keys on the client address, and secure cookies need the real scheme).
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    logging_setup.init_app(app)
    db.init_app(app)
    request_safety.init_app(app)
    auth.init_app(app)
    web.init_app(app)
    api.init_app(app)
    avatars.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
    housekeeping.init_app(app)
    runtime.init_app(app)
    cli.init_app(app)
    return app
