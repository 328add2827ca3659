"""Passwords (Argon2id), signed session cookies, CSRF tokens, API tokens and sign-in throttling."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qorgau.core import policy
from qorgau.core.db import utcnow
from qorgau.core.errors import NotFound
from qorgau.core.i18n_markers import N_
from qorgau.core.models import ApiToken, LoginFailure, User

_hasher = PasswordHasher()  # argon2id, memory 64 MiB, 3 passes
SESSION_COOKIE = "qorgau_session"
CSRF_COOKIE = "qorgau_csrf"
TOKEN_PREFIX = "qrg_"
TOKEN_SCOPES = ("read", "write", "telemetry")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A valid hash to verify against when the user does not exist, so timing does not reveal names.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass
class SignInResult:
    user: User | None
    error: str | None = None  # an English message id
    locked_until: datetime | None = None


LOCKED = N_("Too many failed sign-ins. Try again later.")
WRONG = N_("Wrong user name or password.")
MAX_DELAY_MINUTES = 24 * 60


def client_key(secret_key: str, address: str | None) -> str:
    """A keyed digest of the client address: enough to tell clients apart, never the address itself."""
    return hmac.new(hashlib.sha256(("login-client:" + secret_key).encode()).digest(),
                    (address or "").encode(), hashlib.sha256).hexdigest()[:32]


def authenticate(session: Session, *, username: str, password: str, max_failures: int,
                 window_minutes: int, lockout_minutes: int, client: str = "", keep_days: int = 30) -> SignInResult:
    """Check a password, throttled per user name AND client, with delays that grow.

    After `max_failures` wrong passwords for one name from one client within the window, that client
    waits `lockout_minutes` for that name, doubling with each further failure (up to a day). Other
    clients, the real user included, are not held up. Known and unknown names get the same answers
    (and the same Argon2 work), so the answers reveal no names.
    """
    now = utcnow()
    username = username.strip().lower()[:64]
    since = now - timedelta(minutes=max(window_minutes, MAX_DELAY_MINUTES))
    recent = list(session.execute(select(LoginFailure.at).where(
        LoginFailure.username == username, LoginFailure.client == client, LoginFailure.at >= since)
        .order_by(LoginFailure.at.desc()).limit(max_failures + 12)).scalars())
    locked_until = _locked_until(recent, now=now, max_failures=max_failures, window_minutes=window_minutes,
                                 lockout_minutes=lockout_minutes)
    if locked_until is not None:
        verify_password(_DUMMY_HASH, password)  # the same work as an ordinary answer
        return SignInResult(None, LOCKED, locked_until)
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    valid = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is not None and valid and user.is_active:
        session.execute(delete(LoginFailure).where(LoginFailure.username == username, LoginFailure.client == client))
        return SignInResult(user)
    session.add(LoginFailure(username=username, client=client, at=now))
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(days=keep_days)))
    session.flush()
    locked_until = _locked_until([now, *recent], now=now, max_failures=max_failures, window_minutes=window_minutes,
                                 lockout_minutes=lockout_minutes)
    if locked_until is not None:
        return SignInResult(None, LOCKED, locked_until)
    return SignInResult(None, WRONG)


def _locked_until(failures: list[datetime], *, now: datetime, max_failures: int, window_minutes: int,
                  lockout_minutes: int) -> datetime | None:
    """Newest first: the failures within the window decide; each one past the limit doubles the wait."""
    if not failures:
        return None
    in_window = [at for at in failures if at >= failures[0] - timedelta(minutes=window_minutes)]
    excess = len(in_window) - max_failures
    if excess < 0:
        return None
    delay = min(lockout_minutes * (2 ** min(excess, 16)), MAX_DELAY_MINUTES)
    until = failures[0] + timedelta(minutes=delay)
    return until if until > now else None


class SessionSigner:
    """Signed, timed session cookie carrying the user id and the user's session epoch."""

    def __init__(self, secret_key: str, max_age_seconds: int):
        self._serializer = URLSafeTimedSerializer(secret_key, salt="qorgau-session")
        self._csrf_key = hashlib.sha256(("csrf:" + secret_key).encode()).digest()
        self.max_age = max_age_seconds

    def dumps(self, user: User) -> str:
        return self._serializer.dumps({"u": user.id, "e": user.session_epoch, "n": secrets.token_hex(8)})

    def loads(self, value: str) -> dict | None:
        try:
            return self._serializer.loads(value, max_age=self.max_age)
        except BadSignature:
            return None

    def csrf_token(self, seed: str) -> str:
        return hmac.new(self._csrf_key, seed.encode(), hashlib.sha256).hexdigest()


def _token_digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, *, user: User, name: str = "", scopes: list[str] | None = None,
                     expires_days: int | None = 90) -> tuple[ApiToken, str]:
    """Make a token; the plain value is returned once and never stored. `None` days: never expires."""
    scopes = scopes or ["read"]
    unknown = set(scopes) - set(TOKEN_SCOPES)
    if unknown:
        raise ValueError(f"unknown token scope(s): {', '.join(sorted(unknown))}")
    if expires_days is not None and expires_days < 1:
        raise ValueError("a token must be valid for at least one day (leave the expiry out for none)")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=expires_days) if expires_days is not None else None
    token = ApiToken(user_id=user.id, name=name, prefix=plain[:12], token_hash=_token_digest(plain),
                     scopes=",".join(scopes), expires_at=expires)
    session.add(token)
    session.flush()
    return token, plain


def user_for_token(session: Session, plain: str) -> tuple[User, ApiToken] | None:
    """The active user behind a bearer token, or None if unknown, expired or revoked."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    token = session.execute(select(ApiToken).where(ApiToken.token_hash == _token_digest(plain))).scalar()
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    return token.user, token


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    """active, expired or revoked."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def end_sessions(user: User) -> None:
    """Every session cookie of this user stops working (sign-out, password change, disabling)."""
    user.session_epoch = (user.session_epoch or 0) + 1


def revoke_api_token(session: Session, *, token_id: int) -> ApiToken | None:
    token = session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def tokens_of(session: Session, *, user: User) -> list[ApiToken]:
    """A person's own API tokens, oldest first."""
    return list(session.execute(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)).scalars())


def revoke_token_of(session: Session, *, actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's tokens (an administrator may revoke anyone's); NotFound otherwise, so another
    person's token is never confirmed to exist."""
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and not policy.allowed(actor, "users.manage")):
        raise NotFound("Not found.")
    revoke_api_token(session, token_id=token_id)
    return token
