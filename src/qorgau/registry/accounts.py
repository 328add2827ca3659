"""Accounts: create users bound to a role and a scope; change passwords; disable accounts."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from qorgau.core import audit, passwords, policy, security
from qorgau.core.errors import Conflict, ValidationFailed
from qorgau.core.i18n import LOCALES
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.registry.models import Enterprise, Region, UnionOrg

MIN_PASSWORD = passwords.MIN_LENGTH


def search_query(*, q: str = "") -> Select:
    query = select(User).order_by(User.username)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(User.username.ilike(like), User.full_name.ilike(like)))
    return query


def create(session: Session, *, username: str, role: str, password: str, full_name: str = "",
           scope_kind: str = "national", scope_id: str | int | None = None, email: str = "",
           locale: str = "") -> User:
    """Add a user; the scope id is a region KATO, a union organisation id or an enterprise id."""
    username = username.strip().lower()
    if not username or not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise ValidationFailed("A user name uses letters, digits, dots, dashes and underscores.", field="username")
    if role not in policy.ROLES:
        raise ValidationFailed("Unknown role.", field="role")
    if scope_kind not in policy.SCOPE_KINDS:
        raise ValidationFailed("Unknown scope.", field="scope_kind")
    passwords.check(password)
    if session.execute(select(User.id).where(User.username == username)).first():
        raise Conflict("This user name is taken.", field="username")
    user = User(username=username, full_name=full_name, role=role, email=email, locale=locale,
                password_hash=security.hash_password(password), scope_kind=scope_kind)
    scope_id = str(scope_id).strip() if scope_id not in (None, "") else ""
    if scope_kind == "region":
        if not scope_id or session.get(Region, scope_id) is None:
            raise ValidationFailed("Give the KATO code of a region.", field="scope_id")
        user.scope_region_kato = scope_id
    elif scope_kind in ("union", "enterprise"):
        model = UnionOrg if scope_kind == "union" else Enterprise
        if not scope_id.isdigit() or session.get(model, int(scope_id)) is None:
            raise ValidationFailed("Give the id of an existing union organisation or enterprise.", field="scope_id")
        if scope_kind == "union":
            user.scope_union_id = int(scope_id)
        else:
            user.scope_enterprise_id = int(scope_id)
    session.add(user)
    session.flush()
    return user


def save_locale(session: Session, *, user: User, locale: str) -> bool:
    """Remember the language a signed-in user chose (for pages on other devices and for e-mail);
    returns whether anything changed."""
    if locale not in LOCALES or user.locale == locale:
        return False
    user.locale = locale
    session.flush()
    return True
def change_password(session: Session, *, user: User, current: str, new: str) -> None:
    """The user's own change: the current password is asked; every other session of theirs ends."""
    if not security.verify_password(user.password_hash, current):
        raise ValidationFailed(N_("The current password is wrong."), field="current")
    set_password(session, user=user, password=new)


def set_password(session: Session, *, user: User, password: str) -> None:
    """A new password (policy checked); every session of the user ends."""
    passwords.check(password)
    user.password_hash = security.hash_password(password)
    security.end_sessions(user)
    audit.record(session, action="password_changed", object_type="core_user", object_id=user.id)
    session.flush()


def set_active(session: Session, *, actor: User, user_id: int, active: bool) -> User:
    """An administrator enables or disables an account; disabling ends its sessions."""
    policy.require(actor, "users.manage")
    user = session.get(User, user_id)
    if user is None:
        raise ValidationFailed(N_("No such user."), field="user_id")
    if not active and user.id == actor.id:
        raise ValidationFailed(N_("You cannot disable your own account."), field="user_id")
    user.is_active = active
    if not active:
        security.end_sessions(user)
    session.flush()
    return user
