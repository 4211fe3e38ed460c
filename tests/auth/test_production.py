"""Production refusals and headers (issue 11 findings 8 and 10): production refuses a session
secret under 32 bytes and a key file open to group or others, each with a one-line reason;
HSTS in production or over HTTPS; the `__Host-` session cookie in production; the CSP's
`form-action` and `base-uri`."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from casework import create_app
from casework.cli import main
from casework.crypto import generate_keyring_file
from casework.settings import ConfigurationError, load_settings

PG = "postgresql+psycopg://casework@db.invalid/casework"
GOOD_SECRET = "k" * 32


@pytest.fixture
def keyfile(tmp_path):
    path = tmp_path / "keyring.json"
    generate_keyring_file(path)
    os.chmod(path, 0o600)
    return str(path)


def prod_env(keyfile, **changes):
    env = {
        "CASEWORK_ENV": "production",
        "CASEWORK_DATABASE_URL": PG,
        "CASEWORK_KEYRING_FILE": keyfile,
        "CASEWORK_SECRET_KEY": GOOD_SECRET,
    }
    env.update(changes)
    return env


def _refusal(env) -> str:
    with pytest.raises(ConfigurationError) as info:
        load_settings(env)
    message = str(info.value)
    assert "\n" not in message and message
    return message


@pytest.mark.parametrize("secret", ["abc", "k" * 31, "é" * 15])  # 3, 31 and 30 bytes
def test_production_refuses_a_short_secret_key(keyfile, secret):
    message = _refusal(prod_env(keyfile, CASEWORK_SECRET_KEY=secret))
    assert "CASEWORK_SECRET_KEY" in message and "32 bytes" in message
    assert secret not in message  # the reason never quotes the secret


def test_production_accepts_a_32_byte_secret(keyfile):
    assert load_settings(prod_env(keyfile)).secret_key == GOOD_SECRET
    assert load_settings(prod_env(keyfile, CASEWORK_SECRET_KEY="é" * 16)).is_production


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o602])
def test_production_refuses_a_key_file_open_to_group_or_others(keyfile, mode):
    os.chmod(keyfile, mode)
    message = _refusal(prod_env(keyfile))
    assert f"{mode:04o}" in message and "chmod 600" in message


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_production_accepts_a_private_key_file(keyfile, mode):
    os.chmod(keyfile, mode)
    assert load_settings(prod_env(keyfile)).is_production


def test_serve_says_why_in_one_line(keyfile, monkeypatch):
    os.chmod(keyfile, 0o644)
    for name, value in prod_env(keyfile).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: cannot start: key file") and "0644" in line


CSP_PARTS = ("form-action 'self'", "base-uri 'none'", "default-src 'self'", "object-src 'none'")


def test_csp_names_form_action_and_base_uri_everywhere(client, api):
    for resp in (
        client.get("/login"),
        client.get("/no-such-page"),
        api("focal_point").get("/me"),
        client.get("/api/v1/me"),
    ):
        csp = resp.headers["Content-Security-Policy"]
        for part in CSP_PARTS:
            assert part in csp, (resp.request.path, part)


def test_hsts_only_over_https_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    hsts = secure.headers["Strict-Transport-Security"]
    assert "includeSubDomains" in hsts
    max_age = int(hsts.split("max-age=")[1].split(";")[0])
    assert max_age >= 365 * 24 * 3600


def test_development_cookie_has_no_host_prefix(client):
    cookies = client.get("/login").headers.getlist("Set-Cookie")
    assert any(c.startswith("casework_session=") for c in cookies)


@pytest.fixture
def production_app(app, settings, database):
    """The app as production builds it (on the test database: the refusals are checked above,
    in load_settings; here only what production changes in answers)."""
    prod = settings.with_(env="production", secret_key="p" * 48, session_cookie_secure=False)
    return create_app(prod, database=database)


def test_production_sends_hsts_and_a_host_prefixed_cookie(production_app):
    client = production_app.test_client()
    resp = client.get("/login", base_url="https://localhost")
    assert "Strict-Transport-Security" in resp.headers
    # Even when TLS ends at a proxy that does not say so, production sends HSTS.
    assert "Strict-Transport-Security" in client.get("/login").headers
    [cookie] = [c for c in resp.headers.getlist("Set-Cookie") if "session" in c]
    name, _, rest = cookie.partition("=")
    attributes = [a.strip().lower() for a in rest.split(";")[1:]]
    assert name == "__Host-casework_session"
    assert "secure" in attributes  # even though the setting said otherwise
    assert "path=/" in attributes
    assert not any(a.startswith("domain=") for a in attributes)
    assert "httponly" in attributes
