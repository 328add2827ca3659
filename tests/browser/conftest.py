"""A real server (uvicorn in a thread) on the demo data, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import socket
import threading
import time

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-dev-shm-usage"]
PHONE = {"width": 360, "height": 740}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(databases, tmp_path):
    """(base URL, database URL) of a running Qorgau on a fresh copy of the demo database (SQLite)."""
    import uvicorn

    from qorgau.app.web import create_app
    from qorgau.core.config import Settings

    url = databases.copy("sqlite", "demo")
    app = create_app(Settings(database_url=url, data_dir=tmp_path / "var", secret_key="browser-test",
                              data_key="browser-data-key"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def live_server(served):
    """Base URL of a running Qorgau on a fresh copy of the demo database (SQLite)."""
    return served[0]


_SHARED: dict = {}


def _stop_shared() -> None:
    if "browser" in _SHARED:
        _SHARED.pop("browser").close()
        _SHARED.pop("playwright").stop()


@pytest.fixture(scope="session")
def browser():
    """One Chromium per test process, shared even by modules that import these fixtures themselves
    (a second Playwright in the same process would fail)."""
    if "browser" not in _SHARED:
        import atexit

        from playwright.sync_api import sync_playwright

        _SHARED["playwright"] = sync_playwright().start()
        _SHARED["browser"] = _SHARED["playwright"].chromium.launch(executable_path=CHROMIUM, headless=True,
                                                                   args=CHROMIUM_ARGS)
        atexit.register(_stop_shared)
    return _SHARED["browser"]


@pytest.fixture
def phone(browser):
    """A page in a 360-pixel-wide phone viewport."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="ru-RU")
    page = context.new_page()
    yield page
    context.close()
