"""Database engine, declarative base and the unit of work.

Services never commit; the caller (one request, one CLI command, one import) commits once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

# The audit's listeners are registered on import: every session made here writes its audit entries.
from qorgau.core import audit  # noqa: F401
from qorgau.core.config import get_settings
from qorgau.core.tables import NAMING_CONVENTION, Base, UTCDateTime, utcnow

__all__ = ["NAMING_CONVENTION", "Base", "UTCDateTime", "engine_for", "make_engine", "session_factory",
           "unit_of_work", "utcnow"]

BUSY_TIMEOUT_SECONDS = 30


def pool_size() -> int:
    """Connections per process, sized for the worker threads (one each) plus the event loop's own."""
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
