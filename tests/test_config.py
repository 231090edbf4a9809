"""Configuration layers and the start-up check."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from counselor import create_app
from counselor.config import ConfigError, Defaults, served_base_url
from counselor.config_table import SETTINGS, settings_markdown
from counselor.services.delivery.email_content import public_url

README = Path(__file__).resolve().parents[1] / "README.md"


def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'c.sqlite3'}"


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("COUNSELOR_COUPLES_PER_PAGE", "45")
    monkeypatch.setenv("COUNSELOR_SQLALCHEMY_DATABASE_URI", sqlite_url(tmp_path))
    app = create_app({"SECRET_KEY": "x" * 32})
    assert app.config["COUPLES_PER_PAGE"] == 45


def test_test_config_wins_over_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COUNSELOR_COUPLES_PER_PAGE", "45")
    app = create_app(
        {
            "SECRET_KEY": "x" * 32,
            "COUPLES_PER_PAGE": 5,
            "SQLALCHEMY_DATABASE_URI": sqlite_url(tmp_path),
        }
    )
    assert app.config["COUPLES_PER_PAGE"] == 5


def test_postgres_urls_use_psycopg(tmp_path):
    app = create_app(
        {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "postgresql://u@127.0.0.1/db"}
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1/db"


@pytest.mark.parametrize(
    ("setting", "value", "names"),
    [
        ("COUPLES_PER_PAGE", "thirty", "COUPLES_PER_PAGE='thirty'"),
        ("SECRET_KEY", "short", "SECRET_KEY is shorter than 16"),
        ("SQLALCHEMY_DATABASE_URI", "mysql://x", "COUNSELOR_SQLALCHEMY_DATABASE_URI"),
        ("COUPLES_PER_PAGE", 0, "COUPLES_PER_PAGE=0"),
        ("WEBHOOK_TIMEOUT_SECONDS", 0, "WEBHOOK_TIMEOUT_SECONDS=0 must be a number of seconds"),
        ("WEBHOOK_TIMEOUT_SECONDS", "10s", "COUNSELOR_WEBHOOK_TIMEOUT_SECONDS=15"),
        ("WEBHOOK_TIMEOUT_SECONDS", 600, "above 0 and at most 60"),
        ("WEBHOOK_MAX_ATTEMPTS", 0, "WEBHOOK_MAX_ATTEMPTS=0 must be a whole number from 1 to 50"),
        ("WEBHOOK_REQUIRE_HTTPS", "yes", "WEBHOOK_REQUIRE_HTTPS='yes' must be true or false"),
        ("MAIL_CLAIM_LEASE_SECONDS", 0, "MAIL_CLAIM_LEASE_SECONDS=0 must be a whole number"),
        ("MAIL_CLAIM_LEASE_SECONDS", "5m", "keep it longer than one batch takes to send"),
        ("MAIL_CLAIM_LEASE_SECONDS", 2.5, "COUNSELOR_MAIL_CLAIM_LEASE_SECONDS=300"),
        ("WEBHOOK_CLAIM_LEASE_SECONDS", 0, "WEBHOOK_CLAIM_LEASE_SECONDS=0 must be a whole number"),
        ("WEBHOOK_CLAIM_LEASE_SECONDS", 15, "must be more than twice WEBHOOK_TIMEOUT_SECONDS"),
        ("LOGIN_RATE_LIMIT", "lots", "LOGIN_RATE_LIMIT='lots' must be a rate limit"),
        ("RATELIMIT_STORAGE_URI", "redis:/oops", "COUNSELOR_RATELIMIT_STORAGE_URI="),
        ("MAIL_DEFAULT_SENDER", "nobody", "must be an email address"),
        ("MAIL_PORT", 70000, "MAIL_PORT=70000 must be a whole number from 1 to 65535"),
    ],
)
def test_bad_settings_stop_start_up_naming_the_setting(tmp_path, setting, value, names):
    config = {
        "SECRET_KEY": "x" * 32,
        "SQLALCHEMY_DATABASE_URI": sqlite_url(tmp_path),
        setting: value,
    }
    with pytest.raises(ConfigError) as error:
        create_app(config)
    assert names in str(error.value)


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    import flask

    instance = tmp_path / "instance"
    monkeypatch.setattr(
        flask.Flask, "auto_find_instance_path", lambda self: str(instance), raising=True
    )
    first = create_app({"SQLALCHEMY_DATABASE_URI": sqlite_url(tmp_path)})
    second = create_app({"SQLALCHEMY_DATABASE_URI": sqlite_url(tmp_path)})
    key_file = instance / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_instance_config_file_is_read(tmp_path, monkeypatch):
    import flask

    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("COUPLES_PER_PAGE = 7\n")
    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(instance))
    app = create_app({"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": sqlite_url(tmp_path)})
    assert app.config["COUPLES_PER_PAGE"] == 7


def test_a_bad_setting_from_the_environment_names_the_variable_to_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("COUNSELOR_WEBHOOK_TIMEOUT_SECONDS", "-1")
    config = {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": sqlite_url(tmp_path)}
    with pytest.raises(ConfigError) as error:
        create_app(config)
    assert "WEBHOOK_TIMEOUT_SECONDS=-1" in str(error.value)
    assert "e.g. COUNSELOR_WEBHOOK_TIMEOUT_SECONDS=15" in str(error.value)


def test_every_problem_is_reported_at_once_without_showing_secrets(tmp_path):
    config = {
        "SECRET_KEY": "x" * 32,
        "SQLALCHEMY_DATABASE_URI": sqlite_url(tmp_path),
        "MAIL_PASSWORD": 12345678,  # a JSON-parsed environment variable turns digits into a number
        "MAIL_USE_TLS": True,
        "MAIL_USE_SSL": True,
        "LINK_TTL_DAYS": 0,
    }
    with pytest.raises(ConfigError) as error:
        create_app(config)
    message = str(error.value)
    assert "MAIL_PASSWORD must be text" in message
    assert "12345678" not in message
    assert "MAIL_USE_TLS and MAIL_USE_SSL are both on" in message
    assert "LINK_TTL_DAYS=0" in message


def test_every_default_has_a_row_in_the_settings_table():
    defaults = {name for name in vars(Defaults) if name.isupper()}
    rows = [setting.name for setting in SETTINGS]
    assert len(rows) == len(set(rows)), "a setting has two rows"
    assert defaults == set(rows)


def test_readme_settings_table_is_the_one_printed_from_the_settings_table():
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("| setting | default | meaning |")
    end = lines.index("", start)
    documented = "\n".join(lines[start:end]) + "\n"
    assert documented == settings_markdown(), (
        "README's settings table is out of date: replace it with the output of\n"
        "  .venv/bin/python -c 'from counselor.config_table import settings_markdown as m; "
        'print(m(), end="")\''
    )


# PUBLIC_BASE_URL: unset, it follows where `make run` serves (HOST and PORT, which the
# Makefile hands to the web process and the worker alike).


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "http://127.0.0.1:5000"),
        ({"PORT": "5055"}, "http://127.0.0.1:5055"),
        ({"HOST": "127.0.0.1", "PORT": " 5055 "}, "http://127.0.0.1:5055"),
        ({"HOST": "0.0.0.0", "PORT": "8000"}, "http://127.0.0.1:8000"),  # noqa: S104
        ({"HOST": "homework.local", "PORT": "5055"}, "http://homework.local:5055"),
        ({"HOST": "::1", "PORT": "5055"}, "http://[::1]:5055"),
        ({"HOST": "", "PORT": ""}, "http://127.0.0.1:5000"),
    ],
)
def test_the_public_address_is_where_make_run_serves(environ, expected):
    assert served_base_url(environ) == expected


@pytest.mark.parametrize("port", ["abc", "0", "70000", "-1"])
def test_a_port_that_is_no_port_stops_start_up_naming_it(port):
    with pytest.raises(ConfigError) as error:
        served_base_url({"PORT": port})
    assert f"PORT={port!r}" in str(error.value)
    assert "COUNSELOR_PUBLIC_BASE_URL" in str(error.value)


def _app_without_instance_config(tmp_path, monkeypatch, **config):
    import flask

    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(tmp_path))
    return create_app(
        {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": sqlite_url(tmp_path), **config}
    )


def test_make_run_on_another_port_puts_that_port_in_emailed_links(monkeypatch, tmp_path):
    monkeypatch.setenv("PORT", "5055")
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("COUNSELOR_PUBLIC_BASE_URL", raising=False)

    app = _app_without_instance_config(tmp_path, monkeypatch)

    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5055"
    with app.app_context():  # as the worker builds a link: no request around it
        assert public_url("partner.homework", token="t0k3n") == "http://127.0.0.1:5055/p/t0k3n"


@pytest.mark.parametrize("where", ["environment", "instance config", "mapping"])
def test_a_public_address_that_is_set_wins_over_the_port(monkeypatch, tmp_path, where):
    monkeypatch.setenv("PORT", "5055")
    address = "https://homework.example.org"
    config = {}
    if where == "environment":
        monkeypatch.setenv("COUNSELOR_PUBLIC_BASE_URL", address)
    elif where == "instance config":
        (tmp_path / "config.py").write_text(f"PUBLIC_BASE_URL = {address!r}\n")
    else:
        config["PUBLIC_BASE_URL"] = address

    app = _app_without_instance_config(tmp_path, monkeypatch, **config)

    assert app.config["PUBLIC_BASE_URL"] == address
