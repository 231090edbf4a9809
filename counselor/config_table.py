"""Every setting in one table: its kind and bounds, what it means, and the fix for a bad value.

The start-up check runs from this table (``validate_config``) and the README's
settings table is printed from it (``settings_markdown``; ``tests/test_config.py``
keeps the two equal and checks that every attribute of ``Defaults`` has a row), so
a setting is declared, checked and documented in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from counselor.config import ConfigError, Defaults, serves_https
from counselor.config_kinds import (
    Address,
    Choice,
    Flag,
    Kind,
    RateLimit,
    RateLimitStorage,
    Seconds,
    Secret,
    Sender,
    Table,
    Text,
    WholeNumber,
)


@dataclass(frozen=True)
class Setting:
    name: str
    kind: Kind
    meaning: str
    example: str  # a good value, as the COUNSELOR_<name> environment variable would hold it
    advice: str = ""  # said before the example when a bad value needs more than one
    default: str = ""  # the README's default when the code's value needs words (None → filled)
    listed: bool = True  # in the README; framework plumbing is checked but not listed

    def problem(self, config: Mapping[str, Any]) -> str | None:
        value = config.get(self.name)
        complaint = self.kind.complaint(value)
        if complaint is None:
            return None
        shown = self.name if isinstance(self.kind, Secret) else f"{self.name}={value!r}"
        advice = f"{self.advice}, " if self.advice else ""
        return f"{shown} {complaint}. Fix: {advice}e.g. COUNSELOR_{self.name}={self.example}"


@dataclass(frozen=True)
class Rule:
    """A condition between settings that each look fine alone."""

    broken: Callable[[Mapping[str, Any]], bool]
    message: str


SETTINGS: tuple[Setting, ...] = (
    # The database and secrets.
    Setting(
        "SQLALCHEMY_DATABASE_URI",
        Address(("sqlite:", "postgresql+psycopg:"), "sqlite:///path or postgresql://user@host/db"),
        "the database; SQLite runs in WAL mode with foreign keys on",
        "postgresql://counselor@db.internal/counselor",
        default="`sqlite:///instance/counselor.sqlite3`",
    ),
    Setting(
        "SQLALCHEMY_ENGINE_OPTIONS",
        Table(),
        "extra SQLAlchemy engine options",
        "'{\"pool_size\": 10}'",
        listed=False,
    ),
    Setting(
        "SECRET_KEY",
        Secret(min_length=16),
        "signs sessions and CSRF tokens",
        "<64 random hex characters>",
        advice="remove it to let the app generate one in the instance folder, "
        "or set a long random string",
        default="generated once into `instance/secret_key` (mode 600)",
    ),
    # Counselors' sessions and pages.
    Setting(
        "SESSION_COOKIE_SECURE",
        Flag(),
        "`True` on its own when `PUBLIC_BASE_URL` is https; set it for any other HTTPS setup",
        "true",
    ),
    Setting(
        "PASSWORD_HASH_PROFILE",
        Choice(("RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY", "CHEAPEST")),
        "argon2 cost of password hashes (`CHEAPEST` is for test suites only)",
        "RFC_9106_LOW_MEMORY",
        listed=False,
    ),
    Setting(
        "PASSWORD_RESET_MINUTES",
        WholeNumber(5, 24 * 60, "minutes"),
        "an emailed password-reset link works once, for this long",
        "30",
    ),
    Setting(
        "INVITE_VALID_DAYS",
        WholeNumber(1, 30, "days"),
        "an owner's invitation to a counselor works once, for this long",
        "7",
    ),
    Setting(
        "WEBAUTHN_RP_ID",
        Text(optional=True),
        "the domain passkeys are bound to; unset, the host of `PUBLIC_BASE_URL` or of the "
        "request (an IP address cannot hold passkeys)",
        "counsel.example.org",
    ),
    Setting(
        "TENANCY_REQUIRE_SCOPE",
        Flag(),
        "refuse database queries on a practice's rows made outside any practice's scope",
        "true",
    ),
    Setting("SESSION_COOKIE_HTTPONLY", Flag(), "", "true", listed=False),
    # "None" only for a host that frames the dashboard from another site (docs/api.md,
    # "Showing the dashboard in a frame"), and only over https (a rule below).
    Setting("SESSION_COOKIE_SAMESITE", Choice(("Lax", "Strict", "None")), "", "Lax", listed=False),
    Setting("REMEMBER_COOKIE_HTTPONLY", Flag(), "", "true", listed=False),
    Setting(
        "WTF_CSRF_TIME_LIMIT",
        WholeNumber(60, unit="seconds", optional=True),
        "",
        "null",
        listed=False,
    ),
    Setting(
        "MAX_CONTENT_LENGTH",
        WholeNumber(1024, 64 * 1024 * 1024, "bytes"),
        "largest request body accepted (Content-Length or chunked); larger gets 413",
        "1048576",
    ),
    Setting(
        "HSTS_MAX_AGE_SECONDS",
        WholeNumber(0, 2 * 365 * 24 * 3600, "seconds"),
        "Strict-Transport-Security max-age, sent when `PUBLIC_BASE_URL` is https",
        "31536000",
    ),
    Setting(
        "DATABASE_POOL_SIZE",
        WholeNumber(1, 100),
        "database connections each process keeps open (PostgreSQL)",
        "5",
    ),
    Setting(
        "DATABASE_MAX_OVERFLOW",
        WholeNumber(0, 100),
        "extra connections a process may open at a busy moment (PostgreSQL)",
        "5",
    ),
    Setting(
        "DATABASE_POOL_TIMEOUT_SECONDS",
        WholeNumber(1, 60, "seconds"),
        "how long a request waits for a free connection before answering 503",
        "5",
    ),
    Setting("COUPLES_PER_PAGE", WholeNumber(1, 200), "couples per page on the dashboard", "25"),
    # Rate limits.
    Setting(
        "RATELIMIT_STORAGE_URI",
        RateLimitStorage(),
        "use `redis://…` when running several web processes",
        "redis://127.0.0.1:6379/1",
    ),
    Setting("RATELIMIT_HEADERS_ENABLED", Flag(), "", "true", listed=False),
    Setting(
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED",
        Flag(),
        "count rate limits in memory while their storage (Redis) is down",
        "true",
    ),
    Setting(
        "RATELIMIT_SWALLOW_ERRORS",
        Flag(),
        "a rate-limit storage error is logged, never answered with 500",
        "true",
    ),
    Setting(
        "LOGIN_RATE_LIMIT",
        RateLimit(),
        "failed and successful login attempts per client address",
        '"10 per minute"',
    ),
    Setting(
        "CLIENT_RATE_LIMIT", RateLimit(), "partner pages, per client address", '"60 per minute"'
    ),
    Setting("CLIENT_TOKEN_RATE_LIMIT", RateLimit(), "partner pages, per link", '"30 per minute"'),
    Setting(
        "LINK_REQUEST_RATE_LIMIT",
        RateLimit(),
        "requests for a fresh link, per client address",
        '"5 per hour"',
    ),
    Setting("API_RATE_LIMIT", RateLimit(), "REST API requests per API key", '"120 per minute"'),
    Setting(
        "API_INVALID_KEY_RATE_LIMIT",
        RateLimit(),
        "API requests with a missing or unknown key, per client address",
        '"20 per minute"',
    ),
    # Partner links.
    Setting(
        "PUBLIC_BASE_URL",
        Address(("http://", "https://"), "the http(s) address partners open links at"),
        "the address links in emails point to; unset, where `make run` serves "
        "(`http://$HOST:$PORT`, e.g. `make run PORT=5055` → `http://127.0.0.1:5055`)",
        "https://homework.example.org",
        default="`http://127.0.0.1:5000`",
    ),
    Setting("LINK_TTL_DAYS", WholeNumber(1, 90, "days"), "how long a partner's link works", "14"),
    Setting(
        "UNSUBSCRIBE_LINK_TTL_DAYS",
        WholeNumber(1, 365, "days"),
        "how long the *Stop emails* link in an email works",
        "90",
    ),
    # The REST API and its OpenAPI document.
    Setting(
        "IDEMPOTENCY_TTL_HOURS",
        WholeNumber(1, 24 * 30, "hours"),
        "how long a POST's `Idempotency-Key` replays its first answer",
        "48",
    ),
    Setting("API_TITLE", Text(), "", '"Ladder homework API"', listed=False),
    Setting("API_VERSION", Text(), "", "v1", listed=False),
    Setting("OPENAPI_VERSION", Text(), "", "3.0.3", listed=False),
    Setting("OPENAPI_URL_PREFIX", Text(), "", "/api/v1", listed=False),
    Setting("OPENAPI_JSON_PATH", Text(), "", "openapi.json", listed=False),
    Setting("API_SPEC_OPTIONS", Table(), "", "{}", listed=False),
    # Webhooks and host launch.
    Setting(
        "WEBHOOK_REQUIRE_HTTPS",
        Flag(),
        "refuse webhook URLs that are not `https://`; `make run` turns it off for local trials",
        "true",
    ),
    Setting(
        "WEBHOOK_ALLOW_PRIVATE_TARGETS",
        Flag(),
        "allow webhook URLs on loopback, private and shared (CGNAT) networks; `make run` turns "
        "it on for local trials, never in production (link-local, multicast and reserved "
        "addresses are refused always)",
        "false",
    ),
    Setting(
        "WEBHOOK_TIMEOUT_SECONDS",
        Seconds(high=60),
        "the whole of one webhook attempt: connect, send and the complete answer",
        "15",
    ),
    Setting(
        "WEBHOOK_MAX_IN_FLIGHT_PER_PRACTICE",
        WholeNumber(1, 50),
        "webhook deliveries of one practice posted at once, across all workers",
        "2",
    ),
    Setting(
        "WEBHOOK_DISABLE_AFTER_FAILURES",
        WholeNumber(1, 1000),
        "failed attempts in a row after which an endpoint is disabled and its owner told",
        "20",
    ),
    Setting(
        "WEBHOOK_MAX_ATTEMPTS",
        WholeNumber(1, 50),
        "failed webhook deliveries before one is given up",
        "8",
    ),
    Setting(
        "WEBHOOK_CLAIM_LEASE_SECONDS",
        WholeNumber(1, 24 * 3600, "seconds"),
        "a webhook claimed by a worker that died is posted again after this",
        "90",
        advice="keep it well above WEBHOOK_TIMEOUT_SECONDS",
    ),
    Setting(
        "LAUNCH_TOKEN_MAX_AGE_SECONDS",
        WholeNumber(10, 300, "seconds"),
        "the longest a host's launch token may live (`exp` − `iat`)",
        "300",
    ),
    # Email.
    Setting(
        "MAIL_SERVER",
        Text(optional=True),
        "SMTP relay; unset writes `.eml` files to `MAIL_OUTBOX_DIR`",
        "smtp.example.org",
    ),
    Setting("MAIL_PORT", WholeNumber(1, 65535), "SMTP port", "587"),
    Setting("MAIL_USE_TLS", Flag(), "STARTTLS (port 587); not with `MAIL_USE_SSL`", "true"),
    Setting("MAIL_USE_SSL", Flag(), "implicit TLS (port 465); not with `MAIL_USE_TLS`", "false"),
    Setting("MAIL_USERNAME", Text(optional=True), "SMTP login", "homework"),
    Setting(
        "MAIL_PASSWORD",
        Secret(optional=True),
        "SMTP password",
        "'\"20251107\"'",
        advice="quote it as JSON when it is all digits",
    ),
    Setting("MAIL_DEFAULT_SENDER", Sender(), "the From address", '"Homework <hw@example.org>"'),
    Setting(
        "MAIL_TIMEOUT_SECONDS",
        Seconds(high=300),
        "how long the worker waits on the SMTP server",
        "15",
    ),
    Setting(
        "MAIL_OUTBOX_DIR",
        Text(),
        "where emails are written as `.eml` files when `MAIL_SERVER` is unset",
        "/var/lib/counselor/outbox",
        default="`instance/outbox`",
    ),
    Setting(
        "MAIL_MAX_ATTEMPTS",
        WholeNumber(1, 50),
        "temporary failures before an email is marked failed",
        "6",
    ),
    Setting(
        "MAIL_BATCH_SIZE",
        WholeNumber(1, 1000),
        "emails per worker batch (one SMTP connection each)",
        "100",
    ),
    Setting(
        "MAIL_RECORD_EVERY_SECONDS",
        Seconds(high=60, zero=True),
        "while a batch is sent, how often the emails sent so far are recorded as sent; "
        "a worker killed mid-batch sends at most about this long's emails twice (0: each)",
        "1.0",
    ),
    Setting(
        "MAIL_CLAIM_LEASE_SECONDS",
        WholeNumber(1, 24 * 3600, "seconds"),
        "an email claimed by a worker that died is sent again after this",
        "300",
        advice="keep it longer than one batch takes to send",
    ),
    # Files and workers.
    Setting(
        "REPORTS_DIR",
        Text(),
        "where PDFs are stored",
        "/var/lib/counselor/reports",
        default="`instance/reports`",
    ),
    Setting(
        "REPORT_RENDER_LEASE_SECONDS",
        WholeNumber(60, 24 * 3600, "seconds"),
        "a report still pending after this (its worker died) is rendered again",
        "600",
    ),
    Setting(
        "CELERY",
        Table(required=("broker_url",)),
        "Celery settings; e.g. `COUNSELOR_CELERY__broker_url=redis://…`",
        '\'{"broker_url": "redis://127.0.0.1:6379/0"}\'',
        advice="set one key with COUNSELOR_CELERY__broker_url=redis://127.0.0.1:6379/0",
        default="see `counselor/config.py`; the broker is `instance/broker/`",
    ),
)


def _webhook_lease_too_short(config: Mapping[str, Any]) -> bool:
    """False while either value is not a number: that setting's own check says so."""
    lease, timeout = (
        config.get("WEBHOOK_CLAIM_LEASE_SECONDS"),
        config.get("WEBHOOK_TIMEOUT_SECONDS"),
    )
    if not (_is_number(lease) and _is_number(timeout)):
        return False
    return lease <= 2 * timeout


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


RULES: tuple[Rule, ...] = (
    Rule(
        lambda config: bool(config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL")),
        "MAIL_USE_TLS and MAIL_USE_SSL are both on: use TLS (STARTTLS, port 587) "
        "or SSL (port 465), not both.",
    ),
    Rule(
        lambda config: bool(config.get("MAIL_PASSWORD")) and not config.get("MAIL_USERNAME"),
        "MAIL_PASSWORD is set but MAIL_USERNAME is not: the SMTP login needs both.",
    ),
    Rule(
        lambda config: (
            config.get("SESSION_COOKIE_SAMESITE") == "None"
            and not (serves_https(config) or config.get("SESSION_COOKIE_SECURE") is True)
        ),
        "SESSION_COOKIE_SAMESITE=None needs https: browsers refuse such a cookie unless it is "
        "Secure. Set PUBLIC_BASE_URL to the service's https address, or keep Lax.",
    ),
    Rule(
        _webhook_lease_too_short,
        "WEBHOOK_CLAIM_LEASE_SECONDS must be more than twice WEBHOOK_TIMEOUT_SECONDS (one "
        "attempt takes up to the timeout, the rest is margin for the worker's own work): a "
        "lease that runs out mid-attempt posts the delivery twice.",
    ),
)


def validate_config(config: Mapping[str, Any]) -> None:
    """Fail at start-up, naming each wrong setting and its fix, instead of later at random."""
    problems = [problem for setting in SETTINGS if (problem := setting.problem(config))]
    problems += [rule.message for rule in RULES if rule.broken(config)]
    if problems:
        raise ConfigError("Invalid configuration:\n  - " + "\n  - ".join(problems))


def settings_markdown() -> str:
    """The README's settings table, from ``SETTINGS``."""
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        if setting.listed:
            default = setting.default or _shown_default(getattr(Defaults, setting.name))
            rows.append(f"| `{setting.name}` | {default} | {setting.meaning} |")
    return "\n".join(rows) + "\n"


def _shown_default(value: Any) -> str:
    if value is None:
        return "unset"
    return f"`{value}`" if isinstance(value, str) else f"`{value!r}`"
