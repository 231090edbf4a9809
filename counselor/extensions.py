"""Unbound extension objects; ``create_app`` binds each to an app with ``init_app``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from celery import Celery, Task
from flask import Flask
from flask.logging import default_handler
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# Objects stay readable after commit: pages render what a service just saved without reloading it.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
# The models' base class. Flask-SQLAlchemy builds ``db.Model`` from ``Base`` at run time, and
# mypy cannot take a base class from an attribute (python/mypy#8603): to the type checker the
# models derive from ``Base``, which declares everything they use of it.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
login_manager.login_view = "dashboard.login"
login_manager.login_message = "Please log in to continue."
login_manager.login_message_category = "info"
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# The limiter's Redis connections in one web process: a bounded pool that a burst of
# requests waits on briefly instead of opening connections without end, and timeouts short
# enough that a Redis that is down or stalled costs a request half a second, after which
# Flask-Limiter counts in memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) and logs it. Keys of
# RATELIMIT_STORAGE_OPTIONS with these names override them (README, "Connection pools").
LIMITER_REDIS_POOL = {
    "max_connections": 32,  # above any web process's thread count
    "timeout": 0.5,  # seconds a request waits for a free connection
    "socket_connect_timeout": 0.5,
    "socket_timeout": 0.5,
}
# The REST API (counselor.api): OpenAPI document generated from its marshmallow schemas.
rest_api = Api()


def init_limiter(app: Flask) -> None:
    """Bind the limiter; on Redis, through the bounded pool above (``redis.from_url``, which
    Flask-Limiter would use, makes an unbounded-wait pool with 5-second timeouts)."""
    uri = app.config["RATELIMIT_STORAGE_URI"]
    options = dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    if uri.startswith(("redis://", "rediss://")) and "connection_pool" not in options:
        import redis  # the "redis" extra: installed where the limiter is on Redis

        pool_options = {key: options.pop(key, value) for key, value in LIMITER_REDIS_POOL.items()}
        options["connection_pool"] = redis.BlockingConnectionPool.from_url(uri, **pool_options)
        app.config["RATELIMIT_STORAGE_OPTIONS"] = options
    limiter.init_app(app)
    # Flask-Limiter logs a fallback to memory ("Rate limit storage unreachable") and a
    # swallowed storage error on a logger whose only handler discards them; they go where
    # the app's own errors go instead (stderr: gunicorn's error log).
    limiter_log = logging.getLogger("flask-limiter")
    if default_handler not in limiter_log.handlers:
        limiter_log.addHandler(default_handler)


def celery_init_app(app: Flask) -> Celery[Any]:
    """Flask's documented pattern: every task runs inside this app's context."""

    from counselor.unit_of_work import unit_of_work

    class FlaskTask(Task):
        """Runs in this app's context, as one unit of work: committed if it returns."""

        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context(), unit_of_work():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
