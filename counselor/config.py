"""Configuration defaults and the start-up check that every setting makes sense.

Layers, later wins: these defaults, ``instance/config.py``, ``COUNSELOR_*``
environment variables, then the mapping handed to ``create_app`` (tests).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


class Defaults:
    """Settings a fresh machine runs with: SQLite in the instance folder, no SMTP."""

    # Filled in by create_app from the instance folder when left as None.
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True behind HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    # Minutes of inactivity after which a counselor must log in again.
    IDLE_TIMEOUT_MINUTES = 30

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"

    COUPLES_PER_PAGE = 25


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def ensure_secret_key(config: dict[str, Any], instance_path: str) -> None:
    """Use the configured SECRET_KEY, else the one kept in the instance folder.

    The first start generates it there (mode 0600) so sessions survive restarts
    and nothing secret is ever committed.
    """
    if config.get("SECRET_KEY"):
        return
    key_file = Path(instance_path) / SECRET_KEY_FILE
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_hex(32))
    config["SECRET_KEY"] = key_file.read_text().strip()


def default_database_uri(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'counselor.sqlite3'}"


def validate_config(config: dict[str, Any]) -> None:
    """Fail at start-up, naming the setting and the fix, instead of later at random."""
    problems: list[str] = []

    secret = config.get("SECRET_KEY") or ""
    if len(str(secret)) < 16:
        problems.append(
            "SECRET_KEY is shorter than 16 characters: remove it to let the app generate "
            "one in the instance folder, or set COUNSELOR_SECRET_KEY to a long random string."
        )

    uri = config.get("SQLALCHEMY_DATABASE_URI") or ""
    if not uri.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
        problems.append(
            f"SQLALCHEMY_DATABASE_URI={uri!r} is not supported: use sqlite:///path or "
            "postgresql+psycopg://user@host/db (set COUNSELOR_SQLALCHEMY_DATABASE_URI)."
        )

    idle = config.get("IDLE_TIMEOUT_MINUTES")
    if not isinstance(idle, int) or isinstance(idle, bool) or idle < 1:
        problems.append(
            f"IDLE_TIMEOUT_MINUTES={idle!r} must be a whole number of minutes >= 1 "
            "(e.g. COUNSELOR_IDLE_TIMEOUT_MINUTES=30)."
        )

    per_page = config.get("COUPLES_PER_PAGE")
    if not isinstance(per_page, int) or isinstance(per_page, bool) or not 1 <= per_page <= 200:
        problems.append(f"COUPLES_PER_PAGE={per_page!r} must be a whole number from 1 to 200.")

    if problems:
        raise ConfigError("Invalid configuration:\n  - " + "\n  - ".join(problems))


def derived_settings(config: dict[str, Any]) -> None:
    """Settings computed from others once validation has passed."""
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=config["IDLE_TIMEOUT_MINUTES"])
