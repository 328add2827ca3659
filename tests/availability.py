"""Helpers for the availability tests: the app served by a real uvicorn (so requests run concurrently,
as in production), and signed-in HTTP clients for it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.conftest import PASSWORDS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app) -> Iterator[str]:
    """Base URL of `app` served by uvicorn in a thread (one event loop, the default threadpool)."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, timeout_keep_alive=30))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def client(base: str, username: str | None = None, timeout: float = 120.0) -> httpx.Client:
    """An HTTP client with the CSRF cookie and header set, signed in as `username` when given."""
    http = httpx.Client(base_url=base, timeout=timeout, follow_redirects=False, headers={"Accept-Language": "en"})
    http.get("/login")
    token = http.cookies.get("qorgau_csrf")
    http.headers["X-CSRF-Token"] = token
    if username:
        response = http.post("/login", data={"username": username, "password": PASSWORDS[username],
                                             "csrf_token": token})
        assert response.status_code == 303, response.text[:300]
    return http


def together(*calls) -> list:
    """Run the calls at the same moment (a barrier releases them), each in its own thread; their results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the test looks at what came back
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return results
