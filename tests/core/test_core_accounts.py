"""Signing in, role home pages, lockout, CSRF, sessions, tokens."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.conftest import PASSWORDS, csrf_of

ROLE_LABELS = {"admin": "Administrator", "officer": "Union officer", "inspector": "Technical inspector",
               "employer": "Employer safety manager", "state": "State labour inspector", "analyst": "Analyst",
               "federation": "Union officer"}


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


# ---- hardening: sessions end on the server, lockout a stranger cannot trigger, passwords, tokens ------------


def _login(client, username, password):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(client)},
                       cookies={"lang": "en"}, follow_redirects=False)


def test_sign_out_ends_the_session_even_for_a_kept_cookie(sign_in):
    client = sign_in("analyst")
    kept = client.cookies.get("qorgau_session")
    assert client.post("/logout", follow_redirects=False).status_code == 303
    client.cookies.set("qorgau_session", kept)
    assert client.get("/api/v1/me").status_code == 401


def test_password_change_ends_every_other_session(sign_in):
    first, second = sign_in("analyst"), sign_in("analyst")
    weak = first.post("/account/password", data={"current": PASSWORDS["analyst"], "new": "password1234"})
    assert weak.status_code == 422 and second.get("/api/v1/me").status_code == 200
    changed = first.post("/account/password", data={"current": PASSWORDS["analyst"],
                                                     "new": "steppe wind over Balkhash"})
    assert changed.status_code == 200
    assert first.get("/api/v1/me").status_code == 200  # this browser got a fresh cookie
    assert second.get("/api/v1/me").status_code == 401


def test_disabling_an_account_ends_its_sessions(sign_in, session):
    from qorgau.core.models import User

    analyst = sign_in("analyst")
    assert analyst.get("/api/v1/me").status_code == 200
    target = session.execute(select(User).where(User.username == "analyst")).scalar_one()
    admin = sign_in("admin")
    assert admin.post(f"/admin/users/{target.id}/active", data={"active": "0"},
                      follow_redirects=False).status_code == 303
    assert analyst.get("/api/v1/me").status_code == 401


def test_a_stranger_cannot_lock_the_user_out(app):
    from fastapi.testclient import TestClient

    with TestClient(app, client=("203.0.113.9", 1000)) as stranger, TestClient(app, client=("198.51.100.4", 2000)) as user:
        answers = [_login(stranger, "officer", "wrong-guess-123").status_code for _ in range(8)]
        assert answers == [401] * 8
        assert "Too many failed sign-ins" in _login(stranger, "officer", PASSWORDS["officer"]).text
        assert _login(user, "officer", PASSWORDS["officer"]).status_code == 303


def test_unknown_names_get_the_same_answers_as_known_ones(app):
    from fastapi.testclient import TestClient

    def answers(username):
        with TestClient(app) as client:
            texts = []
            for _ in range(7):
                response = _login(client, username, "wrong-guess-123")
                texts.append((response.status_code, "Too many failed" in response.text,
                              "Wrong user name or password" in response.text))
            return texts

    known, unknown = answers("officer"), answers("no-such-person")
    assert known == unknown and known[-1] == (401, True, False)


def test_lockout_delays_grow():
    from datetime import datetime

    from qorgau.core.security import _locked_until

    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    waits = []
    for count in (5, 6, 7, 8):
        failures = [now - timedelta(seconds=i) for i in range(count)]
        waits.append((_locked_until(failures, now=now, max_failures=5, window_minutes=15, lockout_minutes=15)
                      - now).total_seconds() // 60)
    assert waits == [15, 30, 60, 120]
    assert _locked_until([now] * 4, now=now, max_failures=5, window_minutes=15, lockout_minutes=15) is None


def test_failed_sign_ins_are_pruned(client, session):
    from qorgau.core.db import utcnow
    from qorgau.core.models import LoginFailure

    session.add(LoginFailure(username="old", client="x", at=utcnow() - timedelta(days=40)))
    session.commit()
    _login(client, "someone", "wrong-guess-123")
    session.expire_all()
    assert session.execute(select(LoginFailure).where(LoginFailure.username == "old")).first() is None


def test_common_and_short_passwords_are_refused(sign_in):
    admin = sign_in("admin")
    for weak in ("1234567890", "password1234", "Qwerty123456!", "aaaaaaaaaaaa", "123456789012"):
        response = admin.post("/admin/users", data={"username": "newcomer", "role": "analyst", "password": weak})
        assert response.status_code == 422, weak
    ok = admin.post("/admin/users", data={"username": "newcomer", "role": "analyst",
                                          "password": "Irtysh flows north in May"}, follow_redirects=False)
    assert ok.status_code == 303


def test_tokens_cannot_be_made_already_expired_and_expired_ones_are_listed_so(settings, session, monkeypatch):
    from qorgau.cli import app as cli_app
    from qorgau.core import security
    from qorgau.core.config import get_settings
    from qorgau.core.db import utcnow
    from qorgau.core.models import ApiToken, User

    monkeypatch.setenv("QORGAU_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(cli_app, ["token", "create", "--user", "analyst", "--expires-days", "0"])
        assert refused.exit_code != 0 and not session.execute(select(ApiToken)).first()
        with pytest.raises(ValueError):
            security.create_api_token(session, user=session.execute(select(User).limit(1)).scalar_one(),
                                      expires_days=0)
        session.rollback()
        made = CliRunner().invoke(cli_app, ["token", "create", "--user", "analyst", "--expires-days", "1"])
        assert made.exit_code == 0
        session.execute(ApiToken.__table__.update().values(expires_at=utcnow() - timedelta(hours=1)))
        session.commit()
        listed = CliRunner().invoke(cli_app, ["token", "list"])
        assert listed.output.strip().endswith("expired")
    finally:
        get_settings.cache_clear()


def test_an_analyst_proposing_a_methodology_gets_403(sign_in):
    analyst = sign_in("analyst")
    response = analyst.post("/index/methodologies/new", data={"yaml_text": "name: x", "note": ""})
    assert response.status_code == 403
