"""Test databases on SQLite and PostgreSQL, a demo dataset, and signed-in clients.

Every test that asks for `db_url`, `demo_url`, `session`, `client` or `sign_in` runs once per backend
in QORGAU_TEST_BACKENDS (default: sqlite,postgresql). Each test gets its own copy of a migrated
template database, so tests never see each other's writes. The templates are built once per run: the
first xdist worker to need one builds it under a file lock, the others wait and copy it; the process
that started the run drops the PostgreSQL templates at its end.

Hypothesis runs under the "loaded" profile (no deadline, slow data generation tolerated): the suite
shares its machine with other work, and a property is about values, not speed.
QORGAU_HYPOTHESIS=thorough runs ten times as many examples.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text

# Keys for encryption at rest and signing: fixed for tests, and never the developer's own var/ folder.
os.environ.setdefault("QORGAU_SECRET_KEY", "test-secret-key")
os.environ.setdefault("QORGAU_DATA_KEY", "test-data-key")
os.environ.setdefault("QORGAU_AUDIT_KEY", "test-audit-key")
os.environ.setdefault("QORGAU_AUDIT_CHECKPOINT_SECONDS", "-1")  # tests write checkpoints where they test them
os.environ.setdefault("QORGAU_DATA_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), f"qorgau-test-{os.getpid()}"))

BACKENDS = [b.strip() for b in os.environ.get("QORGAU_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]
PG_ADMIN_URL = os.environ.get("QORGAU_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DEMO_ENTERPRISES = 40
PASSWORDS = {"admin": "admin-demo-2026", "officer": "officer-demo-2026", "federation": "Ulytau-ledger-4417",
             "inspector": "inspector-demo-2026",
             "employer": "employer-demo-2026", "state": "state-demo-2026", "analyst": "analyst-demo-2026"}


# Properties are about values, not speed: no deadline and no complaint about slow data generation, so a
# loaded machine cannot fail them; as many examples as Hypothesis's default. `thorough` looks deeper.
hypothesis_settings.register_profile("loaded", deadline=None, max_examples=100, print_blob=True,
                                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
hypothesis_settings.register_profile("thorough", parent=hypothesis_settings.get_profile("loaded"),
                                     max_examples=1000)
hypothesis_settings.load_profile(os.environ.get("QORGAU_HYPOTHESIS", "loaded"))


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, scope="session")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _shared_root(tmp_path_factory) -> Path:
    """A folder every process of this run sees: the run's base temp (xdist workers get one below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if "PYTEST_XDIST_WORKER" in os.environ else base


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Databases:
    """Builds each template database once per run (shared by the xdist workers) and hands out throwaway
    copies of it."""

    def __init__(self, root: Path, shared: Path):
        self.root = root
        self.shared = shared
        self.templates: dict[tuple[str, str], str] = {}
        self.created_pg: list[str] = []
        self._pg_admin = None

    @property
    def pg_admin(self):
        if self._pg_admin is None:
            engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            except Exception as error:
                pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({error}). Start it "
                            "(scripts/test does) or set QORGAU_TEST_BACKENDS=sqlite.")
            self._pg_admin = engine
        return self._pg_admin

    def _new_name(self, kind: str) -> str:
        return f"qorgau_{kind}_{_worker()}_{uuid.uuid4().hex[:10]}"

    def _pg_url(self, name: str) -> str:
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    def _release(self, url: str) -> None:
        from qorgau.core.db import engine_for

        engine_for(url).dispose()

    def template(self, backend: str, kind: str) -> str:
        """The URL of the run's template; the first process to ask builds it while the others wait."""
        key = (backend, kind)
        if key not in self.templates:
            built = self.shared / f"template_{kind}.{backend}.url"
            with _locked(self.shared / f"template_{kind}.{backend}.lock"):
                if not built.exists():  # a builder that failed wrote nothing: the next one tries again
                    built.write_text(self._build(backend, kind))
            self.templates[key] = built.read_text()
        return self.templates[key]

    def _build(self, backend: str, kind: str) -> str:
        from qorgau.core.migrate import upgrade

        if backend == "sqlite":
            path = self.shared / f"template_{kind}.db"
            url = f"sqlite:///{path.as_posix()}"
            for left in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                left.unlink(missing_ok=True)  # by a builder that failed
        else:
            name = f"qorgau_tpl_{kind}_{uuid.uuid4().hex[:12]}"
            with self.pg_admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            with open(self.shared / PG_TEMPLATES, "a") as listed:  # dropped by the run's first process
                listed.write(name + "\n")
            url = self._pg_url(name)
        upgrade(url)
        if kind == "demo":
            from qorgau.app.demo import run_demo

            run_demo(url, seed=7, enterprises=DEMO_ENTERPRISES)
        self._release(url)
        if backend == "sqlite":
            with create_engine(url).connect() as conn:  # fold the WAL into the file before copying it
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return url

    def copy(self, backend: str, kind: str) -> str:
        template = self.template(backend, kind)
        if backend == "sqlite":
            target = self.root / f"{uuid.uuid4().hex}.db"
            shutil.copyfile(template.removeprefix("sqlite:///"), target)
            return f"sqlite:///{target.as_posix()}"
        name = self._new_name("t")
        template_name = template.rsplit("/", 1)[1]
        with self.pg_admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
        self.created_pg.append(name)
        return self._pg_url(name)

    def cleanup(self) -> None:
        from qorgau.core.db import engine_for

        for name in self.created_pg:
            engine_for(self._pg_url(name)).dispose()
        engine_for.cache_clear()
        if self._pg_admin is not None:
            with self._pg_admin.connect() as conn:
                for name in self.created_pg:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self._pg_admin.dispose()


PG_TEMPLATES = "pg_templates.txt"
_OPEN: list[Databases] = []  # dropped when the session ends, outside any test's timeout


def pytest_sessionfinish(session):
    """Each process drops the databases it made; the run's first process (xdist's controller, or pytest
    without xdist) then drops the shared PostgreSQL templates, once every worker is done with them. Here
    rather than in a fixture's teardown: that would count against the last test's timeout, and dropping a
    database waits for every backend of a busy server."""
    while _OPEN:
        _OPEN.pop().cleanup()
    if hasattr(session.config, "workerinput"):
        return
    listed = session.config._tmp_path_factory.getbasetemp() / PG_TEMPLATES
    if not listed.exists():
        return
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for name in listed.read_text().split():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
    listed.unlink()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    dbs = Databases(tmp_path_factory.mktemp("db"), _shared_root(tmp_path_factory))
    _OPEN.append(dbs)
    return dbs


@pytest.fixture
def db_url(databases, backend) -> str:
    """A fresh, migrated database with reference data and nothing else."""
    return databases.copy(backend, "empty")


@pytest.fixture
def demo_url(databases, backend) -> str:
    """A fresh database with the small demo dataset (seed 7, 40 enterprises, one user per role)."""
    return databases.copy(backend, "demo")


@pytest.fixture
def session(demo_url):
    """A session on the demo database; the test commits when it wants to."""
    from qorgau.core.db import session_factory

    db = session_factory(demo_url)()
    db.info["actor"] = "test"
    yield db
    db.close()


@pytest.fixture
def settings(demo_url, tmp_path):
    from qorgau.core.config import Settings

    return Settings(database_url=demo_url, data_dir=tmp_path / "var", secret_key="test-secret-key",
                    data_key="test-data-key")


@pytest.fixture
def app(settings):
    from qorgau.app.web import create_app

    return create_app(settings)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


def csrf_of(client) -> str:
    token = client.cookies.get("qorgau_csrf")
    if not token:
        client.get("/login")
        token = client.cookies.get("qorgau_csrf")
    return token


def do_sign_in(client, username: str, password: str | None = None):
    response = client.post("/login", data={"username": username, "password": password or PASSWORDS[username],
                                           "csrf_token": csrf_of(client)}, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    client.headers["X-CSRF-Token"] = csrf_of(client)
    return client


@pytest.fixture
def sign_in(app):
    """sign_in("officer") -> a TestClient signed in as that demo user (with the CSRF header set)."""
    from fastapi.testclient import TestClient

    clients = []

    def make(username: str, password: str | None = None):
        test_client = TestClient(app)
        clients.append(test_client)
        return do_sign_in(test_client, username, password)

    yield make
    for test_client in clients:
        test_client.close()
