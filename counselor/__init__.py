"""The counselor homework service: ``create_app`` builds the Flask application."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy import event

from counselor import config as config_module
from counselor import (
    http_headers,
    i18n,
    log_redaction,
    outages,
    request_limits,
    storage,
    tenancy,
    unit_of_work,
    url_input,
    web,
)
from counselor.config_table import validate_config
from counselor.extensions import (
    celery_init_app,
    csrf,
    db,
    init_limiter,
    login_manager,
    migrate,
    rest_api,
)
from counselor.models.types import render_migration_type
from counselor.services.delivery import after_commit


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, ``instance/config.py``, ``COUNSELOR_*`` env, ``test_config``."""
    log_redaction.install()
    app = Flask(__name__, instance_relative_config=True)
    load_configuration(app, test_config)
    register_extensions(app)
    request_limits.install(app)
    url_input.install(app)
    register_blueprints(app)
    http_headers.install(app)
    web.register_error_pages(app)
    outages.install(app)
    web.register_template_filters(app)
    register_cli(app)
    return app


def load_configuration(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    app.config.from_object(config_module.Defaults)
    # Own copies of nested defaults: COUNSELOR_CELERY__x=… edits them in place.
    app.config.update(copy.deepcopy({k: v for k, v in app.config.items() if isinstance(v, dict)}))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("COUNSELOR")
    if test_config:
        app.config.from_mapping(test_config)
    storage.private_folder(app.instance_path)  # the database, the secret key: 0700
    config_module.ensure_secret_key(app.config, app.instance_path)
    config_module.apply_instance_defaults(app.config, app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_uri(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    validate_config(app.config)
    config_module.derived_settings(app.config)


def normalise_database_uri(uri: str) -> str:
    """Hosts hand out ``postgresql://`` URLs; we talk to them through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix) :]
    return uri


def register_extensions(app: Flask) -> None:
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(app.root_path, os.pardir, "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        render_item=render_migration_type,
    )
    csrf.init_app(app)
    i18n.init_app(app)
    init_limiter(app)
    rest_api.init_app(app)
    login_manager.init_app(app)
    celery_init_app(app)
    after_commit.install(app)
    unit_of_work.install(app)
    tenancy.install(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _configure_sqlite_connection)


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's options: SQL parameters never in a log or an error's text (they carry
    client text), and the connection pool sized by the DATABASE_POOL_* settings (PostgreSQL;
    SQLite opens a connection per thread). A copy, never the shared default dict: several
    apps live in one test process."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("hide_parameters", True)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:"):
        options["connect_args"] = {"timeout": 30, **options.get("connect_args", {})}
    else:
        options.setdefault("pool_size", config["DATABASE_POOL_SIZE"])
        options.setdefault("max_overflow", config["DATABASE_MAX_OVERFLOW"])
        options.setdefault("pool_timeout", config["DATABASE_POOL_TIMEOUT_SECONDS"])
    return options


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers and one writer work at once; SQLite leaves foreign keys off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted and overwritten content is zeroed in the file, not left in free space: an
    # erased couple's text must not be recoverable from the database file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def register_blueprints(app: Flask) -> None:
    from counselor.api import register_api
    from counselor.calendar_feed import bp as calendar_bp
    from counselor.dashboard import bp as dashboard_bp
    from counselor.launch import bp as launch_bp
    from counselor.partner import bp as client_bp

    app.register_blueprint(dashboard_bp)
    app.register_blueprint(client_bp)
    app.register_blueprint(launch_bp)
    app.register_blueprint(calendar_bp)
    register_api(app)


def register_cli(app: Flask) -> None:
    from counselor.cli import register_commands

    register_commands(app)
