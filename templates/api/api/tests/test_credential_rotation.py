"""Database credential rotation without a restart: every new pooled connection reads DATABASE_URL_FILE again."""

import os

import psycopg
import pytest

from app.db import secret_file_connection_class
from app.settings import Settings, SettingsError
from tests.conftest import base_env

OLD = "postgresql://demo_app_app:old-password@db.internal:5432/demo_app?sslmode=verify-full"
NEW = "postgresql://demo_app_app:new-password@db.internal:5432/demo_app?sslmode=verify-full"


def settings_with_file(tmp_path, jwks, content: str, **extra: str) -> Settings:
    secret = tmp_path / "database_url"
    secret.write_text(content + "\n")
    env = base_env(jwks.url, True)
    env.pop("DATABASE_URL")
    env.update({"DATABASE_URL_FILE": str(secret)}, **extra)
    return Settings.from_env(env, multi_tenant=True)


@pytest.fixture()
def captured(monkeypatch):
    seen = []

    def fake_connect(cls, conninfo="", **kwargs):
        seen.append(conninfo)
        return "connection"

    monkeypatch.setattr(psycopg.Connection, "connect", classmethod(fake_connect))
    return seen


def test_the_file_is_read_again_for_each_new_connection(tmp_path, jwks, captured):
    settings = settings_with_file(tmp_path, jwks, OLD)
    assert settings.database_url_file == str(tmp_path / "database_url")
    assert "old-password" in settings.current_database_url()
    connection_class = secret_file_connection_class(settings)
    connection_class.connect(settings.database_url)
    (tmp_path / "database_url").write_text(NEW + "\n")
    connection_class.connect(settings.database_url)
    assert ["old-password" in seen for seen in captured] == [True, False]
    assert "new-password" in captured[1]
    assert "sslmode=verify-full" in captured[1]


def test_a_rotated_url_is_checked_like_at_start_up(tmp_path, jwks):
    settings = settings_with_file(tmp_path, jwks, OLD)
    (tmp_path / "database_url").write_text(NEW.replace("demo_app_app", "postgres") + "\n")
    with pytest.raises(SettingsError, match="never as the owner, the migrator or a superuser"):
        settings.current_database_url()


def test_an_unreadable_or_unsafe_file_keeps_the_start_up_value(tmp_path, jwks, captured, caplog):
    settings = settings_with_file(tmp_path, jwks, OLD)
    connection_class = secret_file_connection_class(settings)
    (tmp_path / "database_url").write_text(NEW.replace("sslmode=verify-full", "sslmode=disable") + "\n")
    connection_class.connect(settings.database_url)
    os.remove(tmp_path / "database_url")
    connection_class.connect(settings.database_url)
    assert all("old-password" in seen for seen in captured)
    assert "new-password" not in caplog.text
    assert "could not be read again" in caplog.text


def test_without_a_file_the_environment_value_is_used(make_settings, captured):
    settings = make_settings()
    assert settings.database_url_file is None
    secret_file_connection_class(settings).connect(settings.database_url)
    assert captured == [settings.database_url]


def test_the_pool_lifetime_is_bounded(make_settings):
    assert make_settings().db_pool_max_lifetime_seconds == 3600
    assert make_settings(DB_POOL_MAX_LIFETIME_SECONDS="60").db_pool_max_lifetime_seconds == 60
    with pytest.raises(SettingsError, match="DB_POOL_MAX_LIFETIME_SECONDS"):
        make_settings(DB_POOL_MAX_LIFETIME_SECONDS="5")
