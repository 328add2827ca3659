"""The web application: the platform's middleware and error handling (core.web), the platform's own pages and
every capability package's routers and assets, mounted in one FastAPI app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse
from starlette.middleware.gzip import GZipMiddleware

from qorgau.app import views as app_views
from qorgau.core import api as core_api
from qorgau.core import documents, export_views, logs, metrics, ops_views, security
from qorgau.core.assets import CachedStaticFiles, static_url
from qorgau.core.config import Settings, get_settings
from qorgau.core.db import session_factory
from qorgau.core.deps import load_user
from qorgau.core.headers import SecurityHeadersMiddleware
from qorgau.core.plugins import CAPABILITIES, load_all_models, modules
from qorgau.core.web import ERROR_RESPONSES, STATIC_DIR, PlatformMiddleware, install_error_handlers

PACKAGES_DIR = Path(__file__).resolve().parent.parent


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    load_all_models()
    app = FastAPI(title="Qorgau API", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", dependencies=[Depends(load_user)],
                  description="Occupational safety and health and AI-at-work oversight for Kazakhstan's "
                              "trade unions. Errors have one shape: "
                              '`{"error": {"code": ..., "message": ..., "field": ...}}`. '
                              "Authenticate with `Authorization: Bearer <token>` (`qorgau token create`).")
    app.state.settings = settings
    app.state.sessionmaker = session_factory(settings.resolved_database_url())
    app.state.signer = security.SessionSigner(settings.resolved_secret_key(), settings.session_hours * 3600)
    install_error_handlers(app)
    for package in CAPABILITIES:  # a package's own assets, e.g. /static/deviations/offline.js
        package_static = PACKAGES_DIR / package / "static"
        if package_static.is_dir():
            app.mount(f"/static/{package}", CachedStaticFiles(directory=package_static), name=f"static-{package}")
    app.mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs():  # Swagger UI started by a static script: the CSP allows no inline script
        return HTMLResponse(
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Qorgau API</title>'
            f'<link rel="stylesheet" href="{static_url("swagger/swagger-ui.css")}">'
            f'<link rel="icon" href="{static_url("favicon.svg")}"></head><body><div id="swagger-ui" '
            'data-openapi-url="/api/openapi.json"></div>'
            f'<script src="{static_url("swagger/swagger-ui-bundle.js")}"></script>'
            f'<script src="{static_url("swagger/init.js")}"></script></body></html>')

    routers: list[tuple[Any, str, dict[str, Any]]] = [(core_api.router, "", {"responses": ERROR_RESPONSES}),
               (app_views.router, "", {"include_in_schema": False}),
               (documents.api_router, "/api/v1/documents", {"tags": ["documents"], "responses": ERROR_RESPONSES}),
               (documents.router, "", {"include_in_schema": False})]  # the public check page of issued documents
    routers += [(m.router, f"/api/v1/{package}", {"tags": [package], "responses": ERROR_RESPONSES})
                for package, m in modules("api")]
    routers += [(m.router, "", {"include_in_schema": False}) for _package, m in modules("views")]
    routers += [(ops_views.router, "", {"include_in_schema": False}),  # health, retention, my data
                (export_views.router, "", {"include_in_schema": False})]  # exports made by a job
    app.state.route_table = []  # (method, full path) of every route, for tests and docs
    for router, prefix, options in routers:
        app.include_router(router, prefix=prefix, **options)
        for route in router.routes:
            for method in sorted(getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}):
                app.state.route_table.append((method, prefix + getattr(route, "path", "")))
    metrics.install(app)  # /metrics and request counts per route (never the anonymous routes)
    logs.install(app)  # request ids and JSON logs (never for the anonymous routes)
    app.add_middleware(PlatformMiddleware, settings=settings)
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)
    return app
