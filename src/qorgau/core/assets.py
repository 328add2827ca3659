"""Static files with content hashes in their URLs, cached for a year; everything else revalidates.

`static_url("app.css")` gives `/static/app.css?v=<hash of the file>`, and
`static_url("deviations/capture.js")` a package's own asset. A request that carries the current hash
is answered with `Cache-Control: public, max-age=31536000, immutable`: a changed file gets a new URL,
so a browser never needs to ask again. Without the hash (or with an old one) the answer must be
revalidated (ETag), so nobody is stuck with a stale file.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from qorgau.core.plugins import CAPABILITIES

ROOT = Path(__file__).resolve().parent.parent
CORE_STATIC = ROOT / "core" / "static"
LONG_CACHE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def static_file(name: str) -> Path:
    """The file behind `/static/<name>`: a package's own asset or core's."""
    package, _, rest = name.partition("/")
    if package in CAPABILITIES and rest and (ROOT / package / "static").is_dir():
        return ROOT / package / "static" / rest
    return CORE_STATIC / name


@lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def content_hash(path: Path) -> str:
    stat = path.stat()
    return _digest(str(path), stat.st_mtime_ns, stat.st_size)


def static_url(name: str) -> str:
    """URL of a static file with its content hash, e.g. /static/app.css?v=3f2a9c1d0b7e."""
    path = static_file(name.lstrip("/"))
    return f"/static/{name.lstrip('/')}?v={content_hash(path)}" if path.is_file() else f"/static/{name}"


class CachedStaticFiles(StaticFiles):
    """StaticFiles that lets a hashed URL be cached for good and makes every other one revalidate."""

    async def get_response(self, path: str, scope: Scope):
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            query = scope.get("query_string", b"").decode("latin-1")
            requested = dict(part.partition("=")[::2] for part in query.split("&") if part).get("v")
            full_path, _stat = self.lookup_path(path)
            fresh = requested is not None and full_path and requested == content_hash(Path(full_path))
            response.headers["Cache-Control"] = LONG_CACHE if fresh else REVALIDATE
        return response
