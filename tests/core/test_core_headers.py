"""Security headers, compression and cache lifetimes on every response; no inline script on any page."""

from __future__ import annotations

import re

from qorgau.core.assets import static_url
from tests.browser.crawl import page_paths

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _policy(response) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in response.headers["content-security-policy"].split(";")}


def test_every_response_carries_the_security_headers(client):
    for path in ("/", "/login", "/speak/", "/api/v1/me", "/static/app.css", "/no-such-page"):
        response = client.get(path)
        policy = _policy(response)
        assert policy["script-src"] == "script-src 'self'", path  # no inline script, no eval
        assert policy["frame-ancestors"] == "frame-ancestors 'none'" and policy["object-src"] == "object-src 'none'"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in response.headers, "no HSTS over plain HTTP"
    assert client.get("/speak/").headers["referrer-policy"] == "no-referrer"
    assert client.get("/speak/follow").headers["referrer-policy"] == "no-referrer"
    assert client.get("/login").headers["referrer-policy"] == "same-origin"
    assert client.get("/speaks/inbox", follow_redirects=False).headers["referrer-policy"] == "same-origin"


def test_hsts_behind_tls(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


def test_pages_are_compressed_and_static_files_cached_by_content_hash(client):
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    url = static_url("app.css")
    assert re.fullmatch(r"/static/app\.css\?v=[0-9a-f]{12}", url)
    hashed = client.get(url)
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert hashed.headers["content-encoding"] == "gzip"
    assert client.get("/static/app.css").headers["cache-control"] == "no-cache", "without the hash: revalidate"
    assert client.get("/static/app.css?v=000000000000").headers["cache-control"] == "no-cache", "an old hash"
    assert "max-age=31536000" in client.get(static_url("deviations/capture.js")).headers["cache-control"]


def test_plotly_is_the_partial_bundle_and_only_on_pages_with_charts(client, sign_in):
    bundle = client.get(static_url("vendor/plotly-basic.min.js"), headers={"Accept-Encoding": "gzip"})
    assert bundle.status_code == 200 and bundle.headers["content-encoding"] == "gzip"
    assert len(bundle.content) < 1_300_000, "the basic bundle (bar, pie, scatter), not the full plotly.js"
    officer = sign_in("officer")
    assert "plotly" not in officer.get("/").text
    dashboard = officer.get("/incidents/").text
    assert "vendor/plotly-basic.min.js" in dashboard and 'class="plot" role="img" aria-label=' in dashboard
    assert "cdn.plot.ly" not in dashboard


def test_no_page_has_inline_script_or_event_handler(app, session, sign_in):
    officer = sign_in("officer")
    checked = 0
    for path in page_paths(app.state.route_table, session, "officer"):
        response = officer.get(path)
        if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        assert not INLINE_SCRIPT.search(response.text), f"inline script on {path}"
        assert not INLINE_HANDLER.search(response.text), f"inline event handler on {path}"
        checked += 1
    assert checked > 30
