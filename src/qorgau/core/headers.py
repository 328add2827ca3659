"""Security headers on every response.

- Content-Security-Policy: scripts only from this site (no inline script, no eval), nothing framed
  and no framing (`frame-ancestors 'none'`), forms post only here. Styles may be inline: Plotly and
  htmx set element styles.
- X-Content-Type-Options: nosniff; X-Frame-Options: DENY (for browsers without frame-ancestors).
- Referrer-Policy: no-referrer on the anonymous reporting pages (a link followed from there must not
  tell anyone where the worker came from), same-origin elsewhere.
- Strict-Transport-Security when the request came over TLS (directly or via a proxy that says so).
"""

from __future__ import annotations

from qorgau.core.config import Settings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-src 'none'; frame-ancestors 'none'")
ANONYMOUS_PAGES = ("/speak/", "/api/v1/speaks/public")
HSTS = "max-age=31536000; includeSubDomains"


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def over_tls(scope, settings: Settings | None) -> bool:
    if settings is not None and settings.secure_cookies is not None:
        return settings.secure_cookies
    return scope.get("scheme") == "https" or _header(scope, b"x-forwarded-proto") == "https"


def security_headers(scope, settings: Settings | None = None) -> list[tuple[bytes, bytes]]:
    anonymous = scope["path"] == "/speak" or scope["path"].startswith(ANONYMOUS_PAGES)
    headers = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
               (b"x-frame-options", b"DENY"),
               (b"referrer-policy", b"no-referrer" if anonymous else b"same-origin"),
               (b"cross-origin-opener-policy", b"same-origin"),
               (b"permissions-policy", b"geolocation=(), microphone=(self), camera=(self)")]
    if over_tls(scope, settings):
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response, except those a route set itself (e.g. a stricter
    `Content-Security-Policy: sandbox` on an uploaded file)."""

    def __init__(self, app, settings: Settings | None = None):
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        extra = security_headers(scope, self.settings)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _value in headers}
                message["headers"] = headers + [(k, v) for k, v in extra if k not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)
