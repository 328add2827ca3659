"""A fresh, empty database for one benchmark run: a file in a folder (SQLite) or a PostgreSQL database
created and dropped again (QORGAU_TEST_PG_URL names the server's admin database, as for the tests)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("QORGAU_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def throwaway_database(backend: str) -> Iterator[str]:
    """The URL of an empty database of this backend ("sqlite" or "postgresql"), removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{(Path(folder) / 'bench.db').as_posix()}"
        return
    name = f"qorgau_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        from qorgau.core.db import engine_for

        engine_for(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
