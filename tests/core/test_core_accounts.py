"""Signing in, role home pages, lockout, CSRF, sessions, tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.conftest import PASSWORDS, csrf_of

ROLE_LABELS = {"admin": "Administrator", "officer": "Union officer", "inspector": "Technical inspector",
               "employer": "Employer safety manager", "state": "State labour inspector", "analyst": "Analyst"}


@pytest.mark.parametrize("username", sorted(PASSWORDS))
def test_each_demo_role_signs_in_and_sees_its_home(sign_in, username):
    client = sign_in(username)
    page = client.get("/", headers={"Accept-Language": "en"}, cookies={"lang": "en"})
    assert page.status_code == 200
    assert ROLE_LABELS[username] in page.text
    assert "Sign out" in page.text
    me = client.get("/api/v1/me").json()
    assert me["username"] == username


def test_wrong_password_then_lockout(client):
    for _attempt in range(4):
        response = client.post("/login", data={"username": "officer", "password": "nope-nope-nope",
                                               "csrf_token": csrf_of(client)}, cookies={"lang": "en"})
        assert response.status_code == 401
        assert "Wrong user name or password" in response.text
    response = client.post("/login", data={"username": "officer", "password": "nope-nope-nope",
                                           "csrf_token": csrf_of(client)}, cookies={"lang": "en"})
    assert "Too many failed sign-ins" in response.text
    # Even the right password is refused while locked.
    response = client.post("/login", data={"username": "officer", "password": PASSWORDS["officer"],
                                           "csrf_token": csrf_of(client)}, follow_redirects=False)
    assert response.status_code == 401


def test_session_cookie_flags(client):
    response = client.post("/login", data={"username": "admin", "password": PASSWORDS["admin"],
                                           "csrf_token": csrf_of(client)}, follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; behind TLS the flag is set
    behind_tls = client.post("/login", headers={"X-Forwarded-Proto": "https"},
                             data={"username": "admin", "password": PASSWORDS["admin"], "csrf_token": csrf_of(client)},
                             follow_redirects=False)
    assert "Secure" in behind_tls.headers["set-cookie"]


def test_forms_without_csrf_token_are_refused(sign_in):
    client = sign_in("admin")
    del client.headers["X-CSRF-Token"]
    response = client.post("/registry/enterprises/1/sites", data={"name": "Цех"})
    assert response.status_code == 403
    response = client.post("/registry/enterprises/1/sites", data={"name": "Цех", "csrf_token": "forged"})
    assert response.status_code == 403
    response = client.post("/registry/enterprises/1/sites", data={"name": "Цех", "csrf_token": csrf_of(client)},
                           follow_redirects=False)
    assert response.status_code == 303


def test_api_token_lifecycle(settings, client, monkeypatch):
    from qorgau.cli import app as cli_app
    from qorgau.core.config import get_settings

    monkeypatch.setenv("QORGAU_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["token", "create", "--user", "analyst", "--expires-days", "5"])
        assert result.exit_code == 0, result.output
        token = result.output.strip().splitlines()[-1]
        assert token.startswith("qrg_")
        auth = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/me", headers=auth).json()["username"] == "analyst"
        # Read-only token cannot write.
        denied = client.post("/api/v1/tokens", headers=auth, json={"name": "x"})
        assert denied.status_code == 403
        listed = CliRunner().invoke(cli_app, ["token", "list", "--user", "analyst"])
        token_id = listed.output.split("\t")[0]
        assert CliRunner().invoke(cli_app, ["token", "revoke", token_id]).exit_code == 0
        revoked = client.get("/api/v1/me", headers=auth)
        assert revoked.status_code == 401
        assert revoked.json()["error"]["code"] == "unauthorized"
    finally:
        get_settings.cache_clear()


def test_expired_token_is_refused(session, client):
    from qorgau.core import security
    from qorgau.core.db import utcnow
    from qorgau.core.models import User

    user = session.execute(select(User).where(User.username == "state")).scalar_one()
    token, plain = security.create_api_token(session, user=user, expires_days=1)
    token.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 401


def test_a_telemetry_token_cannot_read(session, client):
    from qorgau.core import security
    from qorgau.core.models import User

    user = session.execute(select(User).where(User.username == "state")).scalar_one()
    _token, telemetry = security.create_api_token(session, user=user, scopes=["telemetry"])
    _token, reader = security.create_api_token(session, user=user, scopes=["read"])
    session.commit()
    for path in ("/api/v1/me", "/api/v1/incidents/accidents", "/incidents/"):
        assert client.get(path, headers={"Authorization": f"Bearer {telemetry}"}).status_code == 403, path
        assert client.get(path, headers={"Authorization": f"Bearer {reader}"}).status_code == 200, path


def test_first_visit_follows_accept_language_and_declares_it(client):
    for header, lang, word in (("kk-KZ,kk;q=0.9", "kk", "Кіру"), ("ru-RU,ru;q=0.9,en;q=0.8", "ru", "Войти"),
                               ("en-GB,en;q=0.9", "en", "Sign in"), ("de-DE,kk;q=0.5", "kk", "Кіру")):
        client.cookies.clear()
        page = client.get("/login", headers={"Accept-Language": header})
        assert f'<html lang="{lang}">' in page.text
        assert word in page.text


def test_language_switch_is_remembered(client):
    response = client.get("/lang/kk?next=/login", follow_redirects=True)
    assert '<html lang="kk">' in response.text
    assert '<html lang="kk">' in client.get("/login", headers={"Accept-Language": "en"}).text


def test_open_redirect_is_refused(client):
    response = client.get("/lang/en?next=//evil.example/x", follow_redirects=False)
    assert response.headers["location"] == "/"


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}


def test_api_errors_have_one_shape(sign_in):
    client = sign_in("employer")
    body = client.get("/api/v1/registry/enterprises/999999").json()
    assert set(body["error"]) == {"code", "message", "field"} and body["error"]["code"] == "not_found"
    body = client.get("/api/v1/registry/enterprises?per_page=1000").json()
    assert body["error"]["code"] == "validation_error" and body["error"]["field"] == "per_page"


def test_forms_carry_the_csrf_token_of_the_cookie(client):
    import re

    page = client.get("/login")
    field = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
    assert field and field == client.cookies.get("qorgau_csrf")
