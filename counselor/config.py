"""Configuration defaults, and the settings filled in from the instance folder.

Layers, later wins: these defaults, ``instance/config.py``, ``COUNSELOR_*``
environment variables, then the mapping handed to ``create_app`` (tests). The
start-up check of every setting runs from the table in ``counselor/config_table.py``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from celery.schedules import crontab

from counselor import storage, task_names

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
# Where `make run` serves unless HOST and PORT say otherwise (Makefile, Procfile).
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5000
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", "[::]"})  # noqa: S104 - names, not a bind


class Defaults:
    """Settings a fresh machine runs with: SQLite in the instance folder, no SMTP."""

    # Filled in by create_app from the instance folder when left as None.
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    # Refuse queries on practice-owned rows made outside any practice's scope
    # (counselor/tenancy.py): a forgotten scope fails loudly instead of reading every practice.
    # On by default (fail closed); the whole test suite runs with it.
    TENANCY_REQUIRE_SCOPE = True

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Made True when PUBLIC_BASE_URL is https (derived_settings); set it for other HTTPS setups.
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    # Argon2 cost of password hashes, a profile of argon2-cffi (argon2.profiles). The test
    # suite uses CHEAPEST: it logs in thousands of times and proves nothing with the cost.
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"  # noqa: S105 - a cost profile, not a secret
    # An emailed password-reset link works once, for this long.
    PASSWORD_RESET_MINUTES = 30
    # An owner's invitation to a counselor works once, for this long.
    INVITE_VALID_DAYS = 7
    # Passkeys (WebAuthn) are bound to this domain, the relying party id. Unset, it is the
    # host of PUBLIC_BASE_URL, else of the request. An IP address is not a valid one:
    # passkeys need the service reached by a name ("localhost" in development).
    WEBAUTHN_RP_ID: str | None = None

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # Request bodies over this are refused with 413, whether sent with Content-Length or
    # chunked, before they are read whole.
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Strict-Transport-Security max-age, sent only when PUBLIC_BASE_URL is https.
    HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600

    # Database connections per process (PostgreSQL; SQLite opens one per thread).
    DATABASE_POOL_SIZE = 5
    DATABASE_MAX_OVERFLOW = 5
    # A request waiting longer than this for a connection gets 503 (database busy or down).
    DATABASE_POOL_TIMEOUT_SECONDS = 5

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # When the limiter's storage (Redis) is down: count in memory meanwhile, never fail
    # the request (Flask-Limiter's own settings).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    LOGIN_RATE_LIMIT = "10 per minute"

    COUPLES_PER_PAGE = 25

    # Links in emails point here; set it to the address partners can reach. Unset, it is
    # where `make run` serves: http://$HOST:$PORT (``served_base_url``).
    PUBLIC_BASE_URL: str | None = None
    LINK_TTL_DAYS = 14
    UNSUBSCRIBE_LINK_TTL_DAYS = 90
    # Pages behind emailed links, per client address and per link.
    CLIENT_RATE_LIMIT = "60 per minute"
    CLIENT_TOKEN_RATE_LIMIT = "30 per minute"  # noqa: S105 - per link, not a secret
    LINK_REQUEST_RATE_LIMIT = "5 per hour"

    # REST API for host systems (issue: plugin API).
    API_RATE_LIMIT = "120 per minute"  # per API key
    # Requests with a missing or unknown key, per client address.
    API_INVALID_KEY_RATE_LIMIT = "20 per minute"
    IDEMPOTENCY_TTL_HOURS = 48
    # flask-smorest serves the OpenAPI document generated from the schemas at
    # /api/v1/openapi.json; counselor.api renders the human-readable page at /api/v1/docs.
    API_TITLE = "Ladder homework API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_SPEC_OPTIONS: dict[str, Any] = {
        "info": {
            "description": "The REST API for host systems: couples, homework, check-ins, "
            "progress, sessions and pre-session reports of one practice."
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key, with scopes: homework:read for every GET, "
                    "homework:write for every POST, PATCH and DELETE (403 without), and "
                    "clinical_text for what partners and counselors wrote — the fields that "
                    "say so are left out of the answers to a key without it — and for a "
                    "report's PDF.",
                }
            }
        },
        "security": [{"bearerAuth": []}],
    }
    # Webhooks are safe by default: https only, never to loopback, private or link-local
    # addresses (`make run` allows both for local trials, and says so).
    WEBHOOK_REQUIRE_HTTPS = True
    WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    # The whole of one attempt: connect, send and the complete answer (not per read).
    WEBHOOK_TIMEOUT_SECONDS = 15
    # Deliveries of one practice posted at the same moment, across all workers.
    WEBHOOK_MAX_IN_FLIGHT_PER_PRACTICE = 2
    # An endpoint whose attempts fail this many times in a row is disabled (owner told).
    WEBHOOK_DISABLE_AFTER_FAILURES = 20
    WEBHOOK_MAX_ATTEMPTS = 8
    # A delivery claimed by a worker that died is posted again after this.
    WEBHOOK_CLAIM_LEASE_SECONDS = 90
    # Host launch (single sign-on) tokens may live at most this long.
    LAUNCH_TOKEN_MAX_AGE_SECONDS = 300

    # No MAIL_SERVER: emails are written to MAIL_OUTBOX_DIR (default instance/outbox)
    # and each link is logged, so a first run works without any mail server.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "Ladder homework <no-reply@localhost>"
    MAIL_TIMEOUT_SECONDS = 15
    MAIL_OUTBOX_DIR: str | None = None
    MAIL_MAX_ATTEMPTS = 6
    MAIL_BATCH_SIZE = 100
    # While a batch is sent, what was sent is recorded this often (and at the end): a
    # worker killed mid-batch leaves at most about this long's emails to be sent twice.
    MAIL_RECORD_EVERY_SECONDS = 1.0
    REPORTS_DIR: str | None = None  # default instance/reports
    # A report left "pending" this long (its worker died mid-render) is rendered again.
    REPORT_RENDER_LEASE_SECONDS = 600
    # A row a worker claimed but never finished (it was killed) is sent again after this.
    MAIL_CLAIM_LEASE_SECONDS = 300

    # Celery; with no broker_url, messages are files under instance/broker (no server).
    CELERY: dict[str, Any] = {
        "broker_url": None,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        # The web must never hang on a broker that is down: the outbox sweep catches up.
        "task_publish_retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2},
        "include": [
            "tasks.outbox",
            "tasks.reminders",
            "tasks.reports",
            "tasks.progress",
            "tasks.links",
            "tasks.housekeeping",
        ],
        # Mail, webhooks and reports wait in queues of their own (task_names.Queue).
        **task_names.queue_settings(),
        # Every task is stopped: at the soft limit SoftTimeLimitExceeded ends its attempt
        # (an outbox row goes back to wait its retry, a report stays pending for the
        # sweep); at the hard limit its process is killed and the lease takes over.
        "task_soft_time_limit": 120,
        "task_time_limit": 150,
        "task_annotations": {
            # Ten deliveries, each up to WEBHOOK_TIMEOUT_SECONDS (15 s).
            task_names.DELIVER_WEBHOOKS: {"soft_time_limit": 180, "time_limit": 210},
            # Renders take well under a second; the hard limit stays below
            # REPORT_RENDER_LEASE_SECONDS, so a live render is never handed out again.
            task_names.GENERATE_REPORT: {"soft_time_limit": 60, "time_limit": 90},
            # Compares each upcoming session's data with its last report; beat runs it
            # every 15 minutes, and one run ends before the next begins.
            task_names.PREPARE_UPCOMING_REPORTS: {"soft_time_limit": 600, "time_limit": 660},
            # Nightly, over every couple's twelve weeks.
            task_names.COMPILE_PROGRESS: {"soft_time_limit": 3300, "time_limit": 3600},
            # Nightly, erasing closed couples and deleting files of every practice.
            task_names.PURGE_RETAINED_DATA: {"soft_time_limit": 3300, "time_limit": 3600},
        },
        "beat_schedule": {
            "deliver-due-emails": {"task": task_names.DELIVER_DUE_EMAILS, "schedule": 60.0},
            "deliver-due-webhooks": {"task": task_names.DELIVER_DUE_WEBHOOKS, "schedule": 60.0},
            "plan-reminders": {"task": task_names.PLAN_REMINDERS, "schedule": 300.0},
            "prepare-upcoming-reports": {
                "task": task_names.PREPARE_UPCOMING_REPORTS,
                "schedule": 900.0,
            },
            "retry-stalled-reports": {"task": task_names.RETRY_STALLED_REPORTS, "schedule": 60.0},
            "plan-counselor-digests": {
                "task": task_names.PLAN_COUNSELOR_DIGESTS,
                "schedule": 1800.0,
            },
            # Nightly (beat runs in UTC): every partner's weekly snapshots and signals.
            "compile-progress": {
                "task": task_names.COMPILE_PROGRESS,
                "schedule": crontab(hour=2, minute=15),
            },
            # Idempotency records past IDEMPOTENCY_TTL_HOURS, of every practice.
            "purge-idempotency-records": {
                "task": task_names.PURGE_IDEMPOTENCY_RECORDS,
                "schedule": 3600.0,
            },
            # Nightly (UTC, retention.PURGE_AT): what each practice keeps only for a while.
            "purge-retained-data": {
                "task": task_names.PURGE_RETAINED_DATA,
                "schedule": crontab(hour=3, minute=30),
            },
        },
    }


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


def apply_instance_defaults(
    config: dict[str, Any], instance_path: str, environ: Mapping[str, str] = os.environ
) -> None:
    """Fill the settings whose defaults live in the instance folder, and the public address
    from the port this machine serves on."""
    if not config.get("PUBLIC_BASE_URL"):
        config["PUBLIC_BASE_URL"] = served_base_url(environ)
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = default_database_uri(instance_path)
    if not config.get("MAIL_OUTBOX_DIR"):
        config["MAIL_OUTBOX_DIR"] = str(Path(instance_path) / "outbox")
    if not config.get("REPORTS_DIR"):
        config["REPORTS_DIR"] = str(Path(instance_path) / "reports")
    celery = config["CELERY"]
    if not celery.get("broker_url"):
        celery.update(embedded_broker(Path(instance_path) / "broker"))


def served_base_url(environ: Mapping[str, str]) -> str:
    """Where `make run` serves, from the ``HOST`` and ``PORT`` it binds the web server to
    (the Makefile hands both to the web process and the worker alike, so the links a worker
    writes open the pages the web serves): ``make run PORT=5055`` → http://127.0.0.1:5055.
    A wildcard host (0.0.0.0, ::) is reached from this machine as 127.0.0.1; to serve other
    machines, set PUBLIC_BASE_URL to the address they use."""
    host = environ.get("HOST", "").strip() or DEFAULT_HOST
    port = environ.get("PORT", "").strip() or str(DEFAULT_PORT)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(
            f"Invalid configuration:\n  - PORT={port!r} is not a port number, and "
            "PUBLIC_BASE_URL is worked out from it. Fix: e.g. make run PORT=5055, or set "
            "COUNSELOR_PUBLIC_BASE_URL=https://homework.example.org"
        )
    if host in WILDCARD_HOSTS:
        host = DEFAULT_HOST
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{int(port)}"


def embedded_broker(folder: Path) -> dict[str, Any]:
    """Kombu's filesystem transport: no server to run. Chosen over the SQLAlchemy transport
    on SQLite by measurement (README, "The embedded broker")."""
    for part in ("queue", "control"):
        storage.private_folder(folder, part)  # task messages: the service's user's alone
    return {
        "broker_url": "filesystem://localhost//",  # a host named: kombu warns without one
        "broker_transport_options": {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
        },
    }


def derived_settings(config: dict[str, Any]) -> None:
    """Settings computed from others once validation has passed. A service whose public
    address is https never sends its login cookies over plain http."""
    if serves_https(config):
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True


def serves_https(config: Mapping[str, Any]) -> bool:
    """Whether the service's public address is https: cookies are then Secure and every
    response carries HSTS (counselor/http_headers.py)."""
    return str(config.get("PUBLIC_BASE_URL") or "").lower().startswith("https://")
