"""Database engine, declarative base and the unit of work.

Services never commit; the caller (one request, one CLI command, one import) commits once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Every table. `__audited__ = False` opts a high-volume table out of the automatic audit."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    __audited__ = True


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a timezone-aware one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


BUSY_TIMEOUT_SECONDS = 30


def pool_size() -> int:
    """Connections per process, sized for the worker threads (one each) plus the event loop's own."""
    from qorgau.core.config import get_settings

    return max(get_settings().db_pool_size, 1)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        # WAL lets readers run beside the one writer; the busy timeout makes a second writer wait its turn
        # instead of failing. File databases get a pool as large as the worker threads.
        options = {"pool_size": pool_size(), "max_overflow": 10, "pool_timeout": 30} if url != "sqlite://" \
            and ":memory:" not in url else {}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS},
                               **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
            cursor.close()

        return engine
    # pre-ping replaces connections a database restart broke, so the app recovers from an outage by itself
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size(), max_overflow=10, pool_timeout=30)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def session_factory(url: str) -> sessionmaker[Session]:
    import qorgau.core.audit  # noqa: F401  (registers the audit listeners before any session exists)

    return sessionmaker(bind=engine_for(url), expire_on_commit=False)


@contextmanager
def unit_of_work(url: str, actor: str = "system") -> Iterator[Session]:
    """One transaction: commits on success, rolls back on any error."""
    session = session_factory(url)()
    session.info["actor"] = actor
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def ping(session: Session) -> None:
    """Ask the database the smallest question; raises when it cannot answer (readiness)."""
    from sqlalchemy import text

    session.execute(text("SELECT 1"))
