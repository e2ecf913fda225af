"""The production settings: required secrets, `check --deploy` clean, gunicorn + WhiteNoise serving."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = "lineage_portal.settings.production"


def _env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AUDIT_", "DATABASE_URL", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        AUDIT_HMAC_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="portal.example.com,127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        AUDIT_CHECKPOINT_DIR=str(tmp_path / "audit"),
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_deploy_is_clean(tmp_path):
    result = _manage(_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "AUDIT_HMAC_KEY"])
def test_production_refuses_to_start_without_its_secrets(tmp_path, missing):
    env = _env(tmp_path)
    del env[missing]
    result = _manage(env, "check")
    assert result.returncode != 0
    assert f"Setting {missing} is required" in result.stderr


def test_production_refuses_a_short_key(tmp_path):
    result = _manage(_env(tmp_path, AUDIT_HMAC_KEY="short"), "check")
    assert result.returncode != 0 and "Setting AUDIT_HMAC_KEY is required" in result.stderr


@pytest.mark.parametrize("debug", ["0", "false"])
def test_make_run_settings_refuse_the_public_keys_with_debug_off(tmp_path, debug):
    env = _env(tmp_path, DJANGO_SETTINGS_MODULE="lineage_portal.settings.local", DJANGO_DEBUG=debug)
    del env["DJANGO_SECRET_KEY"], env["AUDIT_HMAC_KEY"]
    result = _manage(env, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is the public development default and DEBUG is off" in result.stderr


def test_make_run_settings_start_with_debug_on_or_real_keys(tmp_path):
    local = "lineage_portal.settings.local"
    with_debug = _env(tmp_path, DJANGO_SETTINGS_MODULE=local, DJANGO_DEBUG="1")
    del with_debug["DJANGO_SECRET_KEY"], with_debug["AUDIT_HMAC_KEY"]
    assert _manage(with_debug, "check").returncode == 0
    keys = _env(tmp_path, DJANGO_SETTINGS_MODULE=local, DJANGO_DEBUG="0")
    assert _manage(keys, "check").returncode == 0


def test_importing_the_settings_creates_no_static_directory(tmp_path):
    env = _env(tmp_path, DJANGO_SETTINGS_MODULE="lineage_portal.settings.local", DJANGO_DEBUG="1")
    code = "import django; django.setup(); from django.conf import settings; print(settings.STATIC_ROOT)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "static").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def gunicorn(tmp_path):
    """The production server as compose runs it: gunicorn, production settings, WhiteNoise."""
    env = _env(tmp_path, DJANGO_SECURE_SSL_REDIRECT="false", DJANGO_SECURE_COOKIES="false")
    for args in (("migrate", "--noinput", "-v", "0"), ("collectstatic", "--noinput", "-v", "0")):
        result = _manage(env, *args)
        assert result.returncode == 0, result.stderr
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lineage_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _get(base + "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=30)


def test_gunicorn_serves_pages_static_files_and_no_debug_page(gunicorn):
    status, headers, body = _get(gunicorn + "/accounts/login/")
    assert status == 200 and "Sign in" in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    # The page links the hashed name from the manifest; WhiteNoise serves it for a year.
    css = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', body)
    assert css, "the login page should link the collected, hashed stylesheet"
    status, headers, _ = _get(gunicorn + css.group(1))
    assert status == 200 and "max-age=315360000" in headers["Cache-Control"]
    # DEBUG is off: an unknown page is a plain 404 or a redirect to login, never a debug page.
    status, _, body = _get(gunicorn + "/no-such-page/")
    assert status in (302, 404) and "Traceback" not in body and "settings" not in body.lower()


def test_compose_runs_gunicorn_with_the_production_settings():
    import yaml

    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "neo4j", "web", "worker", "beat"}
    assert "gunicorn lineage_portal.wsgi:application" in services["web"]["command"]
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == PRODUCTION
        assert environment["AUDIT_HMAC_KEY"].startswith("${AUDIT_HMAC_KEY:?")
        assert "runserver" not in str(services[name].get("command", ""))
