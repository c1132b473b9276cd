"""safety: the safety production responsibility system and hazard register."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
#: Blueprint packages with HTML views, each exposing ``bp``.
HTML_AREAS = (
    "auth",
    "main",
    "org",
    "matrix",
    "hazards",
    "inspections",
    "risks",
    "reports",
    "duty",
    "notifications",
    "admin",
    "ops",
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application. Configures and registers; starts nothing."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    configure(app, config)
    register_extensions(app)
    register_database_events(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_context(app)
    register_commands(app)
    register_observability(app)
    return app


def configure(app: Flask, config: Mapping[str, Any] | None) -> None:
    """Defaults, then instance/config.py, then SAFETY_* env, then ``config``."""
    app.config.from_object("safety.config")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'safety.db'}"
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("SAFETY")
    if config:
        app.config.from_mapping(config)
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        str(p) for p in sorted((ROOT / "safety").glob("**/translations")) if p.is_dir()
    )
    app.config.setdefault("UPLOAD_FOLDER", str(Path(app.instance_path) / "uploads"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.config.setdefault("REMEMBER_COOKIE_SECURE", True)
    if not app.config.get("BASE_URL"):
        app.config["BASE_URL"] = served_base_url(os.environ.get("HOST"), os.environ.get("PORT"))
        app.config["BASE_URL_FROM_SERVER"] = True


def served_base_url(host: str | None, port: int | str | None) -> str:
    """The address being served, for links when BASE_URL is not configured.

    A wildcard bind (0.0.0.0, ::) is reached on this machine at 127.0.0.1.
    """
    host = host or "127.0.0.1"
    if host in ("0.0.0.0", "::", "[::]", ""):
        host = "127.0.0.1"
    return f"http://{host}:{port or 5000}"


def _instance_secret(instance: Path) -> str:
    """The secret key generated once into instance/secret_key (git-ignored)."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def register_extensions(app: Flask) -> None:
    from safety.extensions import babel, csrf, db, login_manager, migrate
    from safety.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    from safety.auth import init_login

    init_login(login_manager)
    from safety.services.storage import init_storage

    init_storage(app)


def register_database_events(app: Flask) -> None:
    """SQLite: pragmas per connection; reads BEGIN deferred, writes IMMEDIATE."""
    from safety.database import init_app

    init_app(app)


def register_blueprints(app: Flask) -> None:
    import importlib

    from safety.routing import IdConverter

    app.url_map.converters["int"] = IdConverter

    from safety.api import register_api

    for area in HTML_AREAS:
        module = importlib.import_module(f"safety.{area}")
        app.register_blueprint(module.bp)
    register_api(app)


def register_errorhandlers(app: Flask) -> None:
    from safety.errors import register_errorhandlers as register

    register(app)


def register_security_headers(app: Flask) -> None:
    from safety.security import init_app

    init_app(app)


def register_template_context(app: Flask) -> None:
    from safety.templating import init_templating

    init_templating(app)


def register_observability(app: Flask) -> None:
    """Request log lines and metrics; behind proxies, their headers (PROXY_FIX)."""
    from safety.observability import init_observability

    init_observability(app)
    hops = int(app.config.get("PROXY_FIX") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def register_commands(app: Flask) -> None:
    from safety.cli import register_cli

    register_cli(app)
