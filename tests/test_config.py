"""Configuration layers and the start-up check."""

from __future__ import annotations

import stat

import pytest

from counselor import create_app
from counselor.config import ConfigError


def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'c.sqlite3'}"


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("COUNSELOR_IDLE_TIMEOUT_MINUTES", "45")
    monkeypatch.setenv("COUNSELOR_SQLALCHEMY_DATABASE_URI", sqlite_url(tmp_path))
    app = create_app({"SECRET_KEY": "x" * 32})
    assert app.config["IDLE_TIMEOUT_MINUTES"] == 45
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 45 * 60


def test_test_config_wins_over_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COUNSELOR_IDLE_TIMEOUT_MINUTES", "45")
    app = create_app(
        {
            "SECRET_KEY": "x" * 32,
            "IDLE_TIMEOUT_MINUTES": 5,
            "SQLALCHEMY_DATABASE_URI": sqlite_url(tmp_path),
        }
    )
    assert app.config["IDLE_TIMEOUT_MINUTES"] == 5


def test_postgres_urls_use_psycopg(tmp_path):
    app = create_app(
        {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "postgresql://u@127.0.0.1/db"}
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1/db"


@pytest.mark.parametrize(
    ("setting", "value", "names"),
    [
        ("IDLE_TIMEOUT_MINUTES", 0, "IDLE_TIMEOUT_MINUTES=0"),
        ("IDLE_TIMEOUT_MINUTES", "thirty", "IDLE_TIMEOUT_MINUTES='thirty'"),
        ("SECRET_KEY", "short", "SECRET_KEY is shorter than 16"),
        ("SQLALCHEMY_DATABASE_URI", "mysql://x", "COUNSELOR_SQLALCHEMY_DATABASE_URI"),
        ("COUPLES_PER_PAGE", 0, "COUPLES_PER_PAGE=0"),
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
