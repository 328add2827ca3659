"""No request can stall the server: hostile uploads are refused while /healthz keeps answering, bodies
over the limit get 413, CPU-heavy routes run in the threadpool, and the pool is sized for it."""

from __future__ import annotations

import inspect
import threading
import time

import httpx
import pytest
from fastapi.routing import APIRoute

from qorgau.core.drills import (
    PrivatePostgres,
    environment_ready,
    long_recording_mkv,
    pixel_bomb_png,
    zip_bomb_xlsx,
)
from tests.availability import client, serve, together

pytestmark = pytest.mark.timeout(900)
HEALTHZ_BOUND_S = 5.0  # generous: on the event loop a bomb held /healthz for 15 s to 13 min


def a_region(app) -> str:
    from sqlalchemy import select

    from qorgau.registry.models import Region

    with app.state.sessionmaker() as session:
        return session.execute(select(Region.kato).order_by(Region.kato)).scalars().first()


def _api_routes(routes):
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        router = getattr(route, "original_router", None)  # FastAPI's included routers
        if router is not None:
            yield from _api_routes(router.routes)


def test_every_route_runs_off_the_event_loop(app):
    """Routes are plain `def` (the threadpool), so hashing, decoding and parsing never block the loop."""
    routes = list(_api_routes(app.routes))
    assert len(routes) >= len(app.state.route_table)
    on_loop = sorted(f"{sorted(route.methods)[0]} {route.path}" for route in routes
                     if inspect.iscoroutinefunction(route.endpoint))
    assert on_loop == []


def test_healthz_answers_while_a_zip_bomb_a_pixel_bomb_and_a_long_recording_are_refused(app):
    bombs = {"zip": zip_bomb_xlsx(inflated_mb=300), "pixels": pixel_bomb_png(50_000),
             "audio": long_recording_mkv(seconds=600)}
    with serve(app) as base:
        admin = client(base, "admin")
        anonymous = client(base)
        csrf = anonymous.headers["X-CSRF-Token"]
        report = {"kind": "hazard", "category": "not_sure", "csrf_token": csrf, "region_kato": a_region(app),
                  "description": "A hazard at the smelter that needs attention"}

        def zip_bomb():
            return admin.post("/registry/import", data={"csrf_token": admin.headers["X-CSRF-Token"]},
                              files={"file": ("bomb.xlsx", bombs["zip"])})

        def pixel_bomb():
            return anonymous.post("/speak/new", data=report, files={"photos": ("x.png", bombs["pixels"])})

        def long_audio():
            return anonymous.post("/speak/new", data=report, files={"photos": ("note.mkv", bombs["audio"])})

        health: list[tuple[int, float]] = []
        in_flight = threading.Event()
        done = threading.Event()

        def probe():
            with httpx.Client(base_url=base, timeout=HEALTHZ_BOUND_S) as http:
                in_flight.set()
                while not done.is_set():
                    started = time.perf_counter()
                    try:
                        status = http.get("/healthz").status_code
                    except httpx.TimeoutException:
                        status = 0
                    health.append((status, time.perf_counter() - started))

        prober = threading.Thread(target=probe)
        prober.start()
        in_flight.wait(10)
        answers = together(zip_bomb, pixel_bomb, long_audio)
        done.set()
        prober.join(30)

    for answer in answers:
        assert not isinstance(answer, Exception), answer
    zip_answer, pixel_answer, audio_answer = answers
    assert zip_answer.status_code == 422 and "zip bomb" in zip_answer.text
    assert pixel_answer.status_code == 422 and "megapixels" in pixel_answer.text
    assert audio_answer.status_code == 422 and "60" in audio_answer.text
    assert health, "no /healthz answer while the bombs were refused"
    assert all(status == 200 for status, _seconds in health), health  # 0: no answer within the bound


def test_a_body_over_the_limit_is_413_not_a_csrf_failure(client, settings):
    too_big = b"\0" * (settings.upload_max_bytes + 5 * 1024 * 1024)  # 30 MB
    response = client.post("/speak/new", files={"photos": ("big.jpg", too_big)}, data={"kind": "hazard"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert "25 MB" in response.text
    api = client.post("/api/v1/speaks/public/reports", content=too_big,
                      headers={"Content-Type": "application/json"})
    assert api.status_code == 413 and api.json()["error"]["code"] == "too_large"


def test_the_pool_has_a_connection_for_every_worker_thread(app):
    from qorgau.core.db import engine_for

    engine = engine_for(app.state.settings.resolved_database_url())
    assert engine.pool.size() >= 40  # the threadpool's threads (AnyIO's default), each holding one session


def test_fifty_concurrent_clients_get_no_pool_errors(app):
    """50 clients at once on pages that read and on the anonymous form that writes: no error."""
    region = a_region(app)
    with serve(app) as base:
        clients = [client(base) for _ in range(50)]

        def visit(http):
            statuses = [http.get("/speak/").status_code]
            statuses.append(http.post("/speak/new", data={
                "kind": "hazard", "category": "not_sure", "csrf_token": http.headers["X-CSRF-Token"],
                "region_kato": region,
                "description": "Concurrent report about a blocked exit"}).status_code)
            statuses.append(http.get("/readyz").status_code)
            return statuses

        results = together(*[lambda http=http: visit(http) for http in clients])
    assert [r for r in results if r != [200, 200, 200]] == []


@pytest.mark.skipif(not environment_ready(), reason="no PostgreSQL server binaries to start a private cluster")
def test_a_database_outage_answers_a_translated_503_everywhere_and_the_app_recovers(tmp_path):
    """The database stopped under a running app: pages, forms and the API answer 503 (HTML or the JSON
    error shape), /readyz says why, and once the database is back everything answers again by itself."""
    from fastapi.testclient import TestClient

    from qorgau.app.web import create_app
    from qorgau.core.config import Settings
    from qorgau.core.db import engine_for
    from qorgau.core.migrate import upgrade

    with PrivatePostgres() as pg:
        url = pg.create_database("web")
        upgrade(url)
        app = create_app(Settings(database_url=url, data_dir=tmp_path / "var", secret_key="k", data_key="d"))
        with TestClient(app) as http:
            http.headers["Accept-Language"] = "ru"
            assert http.get("/speak/").status_code == 200 and http.get("/readyz").status_code == 200
            token = http.cookies.get("qorgau_csrf")
            pg.stop()
            page = http.get("/speak/")
            assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
            assert "Сервис ненадолго недоступен" in page.text and page.headers["retry-after"]
            form = http.post("/speak/new", data={"kind": "hazard", "description": "Outage report text",
                                                 "region_kato": "750000000", "csrf_token": token})
            assert form.status_code == 503
            api = http.post("/api/v1/speaks/public/reports", json={"kind": "hazard", "region_kato": "750000000",
                                                                   "description": "Outage report via the API"})
            assert api.status_code == 503 and api.json()["error"]["code"] == "database_unavailable"
            ready = http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["error"] == {"code": "not_ready", "field": "database",
                                             "message": "Не готов: база данных не отвечает."}
            assert http.get("/healthz").status_code == 200  # the process itself is fine
            pg.start()
            assert http.get("/readyz").status_code == 200
            assert http.get("/speak/").status_code == 200
        engine_for(url).dispose()
