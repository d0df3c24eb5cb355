"""Settings: read from the environment or *_FILE; a missing or unsafe value stops start-up with a clear
message that never repeats a secret."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import Settings, SettingsError
from app.tenancy import MULTI_TENANT
from tests.conftest import FIXED_TENANT, base_env

API_DIR = Path(__file__).resolve().parents[1]


def env(**overrides):
    values = base_env("https://idp.test.example/jwks.json", MULTI_TENANT)
    for name, value in overrides.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return values


def refused(match: str, multi_tenant: bool = MULTI_TENANT, **overrides) -> str:
    values = env(**overrides)
    if not multi_tenant:
        values.setdefault("APP_TENANT_ID", FIXED_TENANT)
    with pytest.raises(SettingsError, match=match) as caught:
        Settings.from_env(values, multi_tenant=multi_tenant)
    return str(caught.value)


def test_defaults_are_safe():
    settings = Settings.from_env(env())
    assert settings.app_env == "production" and not settings.development
    assert settings.oidc_algorithms == ("RS256", "ES256")
    assert settings.oidc_leeway_seconds <= 60
    assert settings.oidc_tenant_claim == "tenant_id"
    assert settings.max_body_bytes == 1024 * 1024
    assert "sslmode=verify-full" in settings.database_url


@pytest.mark.parametrize("name", ["OIDC_ISSUER", "OIDC_AUDIENCE", "OIDC_JWKS_URI", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_required_settings(name):
    refused(f"{name} is required", **{name: None})


def test_any_origin_is_refused():
    message = refused("CORS_ALLOWED_ORIGINS", CORS_ALLOWED_ORIGINS="*")
    assert "credentials" in message
    refused("CORS_ALLOWED_ORIGINS", CORS_ALLOWED_ORIGINS="https://*.example.com")
    refused("CORS_ALLOWED_ORIGINS", CORS_ALLOWED_ORIGINS="https://app.example.com/path")
    refused("CORS_ALLOWED_ORIGINS", CORS_ALLOWED_ORIGINS="http://app.example.com")


def test_wildcard_host_is_refused():
    refused("ALLOWED_HOSTS", ALLOWED_HOSTS="*")
    refused("ALLOWED_HOSTS", ALLOWED_HOSTS="api.example.com,*")
    refused("ALLOWED_HOSTS", ALLOWED_HOSTS="api.example.com/evil")


def test_jwks_uri_must_be_https_unless_loopback():
    refused("OIDC_JWKS_URI.*https", OIDC_JWKS_URI="http://idp.example.com/jwks.json")
    for uri in ("http://127.0.0.1:8080/jwks", "http://localhost/jwks", "http://[::1]:9/jwks"):
        assert Settings.from_env(env(OIDC_JWKS_URI=uri)).oidc_jwks_uri == uri
    refused("OIDC_ISSUER", OIDC_ISSUER="http://idp.example.com/")
    refused("OIDC_JWKS_URI", OIDC_JWKS_URI="file:///etc/passwd")


@pytest.mark.parametrize("algorithms", ["HS256", "RS256,HS512", "none", "RS256,None"])
def test_symmetric_and_none_algorithms_are_refused(algorithms):
    refused("OIDC_ALGORITHMS", OIDC_ALGORITHMS=algorithms)


def test_leeway_is_at_most_60_seconds():
    refused("OIDC_LEEWAY_SECONDS", OIDC_LEEWAY_SECONDS="61")
    assert Settings.from_env(env(OIDC_LEEWAY_SECONDS="60")).oidc_leeway_seconds == 60


def test_database_tls_is_verify_full_outside_development():
    message = refused("sslmode", DATABASE_URL="postgresql://demo_app_app:s3cret-pw@db/demo_app?sslmode=require")
    assert "s3cret-pw" not in message
    development = Settings.from_env(env(APP_ENV="development", DATABASE_URL="postgresql://demo_app_app@localhost/demo_app"))
    assert "verify-full" not in development.database_url


def test_database_must_not_connect_as_owner_or_migrator():
    for user in ("demo_app_owner", "demo_app_migrator", "postgres"):
        refused("application role", DATABASE_URL=f"postgresql://{user}:pw@db/demo_app")


def test_bad_database_url_message_hides_the_password():
    message = refused("DATABASE_URL", DATABASE_URL="postgresql://demo_app_app:hunter2@db/demo_app?bogus=1")
    assert "hunter2" not in message


def test_settings_are_read_from_files(tmp_path):
    secret = tmp_path / "database_url"
    secret.write_text("postgresql://demo_app_app:from-file@db:5432/demo_app?sslmode=verify-full\n")
    values = env(DATABASE_URL=None)
    values["DATABASE_URL_FILE"] = str(secret)
    settings = Settings.from_env(values)
    assert "password=from-file" in settings.database_url
    assert "from-file" not in repr(settings)


def test_value_and_file_together_are_refused(tmp_path):
    secret = tmp_path / "issuer"
    secret.write_text("https://idp.test.example/")
    values = env()
    values["OIDC_ISSUER_FILE"] = str(secret)
    with pytest.raises(SettingsError, match="both set"):
        Settings.from_env(values)


def test_unreadable_file_is_refused(tmp_path):
    values = env(DATABASE_URL=None)
    values["DATABASE_URL_FILE"] = str(tmp_path / "missing")
    with pytest.raises(SettingsError, match="DATABASE_URL_FILE"):
        Settings.from_env(values)


def test_app_env_is_production_unless_development():
    for value in ("", "prod", "Development", "staging", None):
        assert Settings.from_env(env(APP_ENV=value)).app_env == "production"
    assert Settings.from_env(env(APP_ENV="development")).development


def test_multi_tenant_refuses_a_fixed_tenant():
    values = env()
    values["APP_TENANT_ID"] = FIXED_TENANT
    with pytest.raises(SettingsError, match="APP_TENANT_ID"):
        Settings.from_env(values, multi_tenant=True)


def test_single_tenant_needs_a_uuid_tenant():
    values = env(APP_TENANT_ID=None)
    with pytest.raises(SettingsError, match="APP_TENANT_ID is required"):
        Settings.from_env(values, multi_tenant=False)
    values["APP_TENANT_ID"] = "tenant-1"
    with pytest.raises(SettingsError, match="UUID"):
        Settings.from_env(values, multi_tenant=False)
    values["APP_TENANT_ID"] = FIXED_TENANT
    assert Settings.from_env(values, multi_tenant=False).fixed_tenant_id == FIXED_TENANT


def run_main(environment):
    return subprocess.run(
        [sys.executable, "-c", "import app.main"],
        cwd=API_DIR,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1", **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_unsafe_setting_stops_start_up_with_a_clear_message():
    values = env(CORS_ALLOWED_ORIGINS="*")
    if not MULTI_TENANT:
        values["APP_TENANT_ID"] = FIXED_TENANT
    result = run_main(values)
    assert result.returncode == 1
    assert result.stderr.startswith("configuration error: CORS_ALLOWED_ORIGINS")
    assert "Traceback" not in result.stderr

    result = run_main({})
    assert result.returncode == 1
    assert "configuration error:" in result.stderr and "is required" in result.stderr


def test_main_builds_the_app_from_the_environment():
    values = env()
    if not MULTI_TENANT:
        values["APP_TENANT_ID"] = FIXED_TENANT
    result = run_main(values)
    assert result.returncode == 0, result.stderr
