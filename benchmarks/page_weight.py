"""Benchmark: bytes a browser transfers for each page, first visit (empty cache) and repeat visit.

Runs Qorgau on a fresh demo database, opens every HTML page of the chosen roles in headless Chromium
and counts what went over the wire (Chrome's encodedDataLength: compressed bodies plus headers) for a
first visit with an empty cache and for a second visit of the same page. The baseline, from the same
run, is what the same pages would cost without compression or caching (decoded body sizes, every
visit), and the full plotly.js that chart pages used to load.

Budget: first visit <= 600 KB, repeat visit <= 100 KB, on every page.

    python benchmarks/page_weight.py [--roles anonymous,officer] [--enterprises 40] [--database URL]

(--database: a demo database written with the test keys, QORGAU_DATA_KEY=test-data-key.)

Prints one line per page; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST_BUDGET = 600 * 1024
REPEAT_BUDGET = 100 * 1024
CHROMIUM = "/usr/bin/chromium"


def _serve(url: str, data_dir: Path) -> tuple[str, object]:
    import uvicorn

    from qorgau.app.web import create_app
    from qorgau.core.config import Settings

    app = create_app(Settings(database_url=url, data_dir=data_dir, secret_key="bench", data_key="bench-data"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", app


def _measure(page, cdp, url: str) -> tuple[int, int]:
    """(bytes over the wire, decoded body bytes) of one navigation and everything it loaded."""
    wire: dict[str, int] = {}
    body: dict[str, int] = {}
    on_finished = lambda e: wire.__setitem__(e["requestId"], int(e["encodedDataLength"]))  # noqa: E731
    on_data = lambda e: body.__setitem__(e["requestId"], body.get(e["requestId"], 0) + e["dataLength"])  # noqa: E731
    cdp.on("Network.loadingFinished", on_finished)
    cdp.on("Network.dataReceived", on_data)
    page.goto(url, wait_until="networkidle")
    cdp.remove_listener("Network.loadingFinished", on_finished)
    cdp.remove_listener("Network.dataReceived", on_data)
    return sum(wire.values()), sum(body.values())


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--roles", default="anonymous,officer,inspector,employer,state,analyst,admin")
    parser.add_argument("--enterprises", type=int, default=40)
    parser.add_argument("--database", help="an existing demo database (default: a fresh SQLite demo)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright
    from tests.browser.conftest import CHROMIUM_ARGS
    from tests.browser.crawl import page_paths, sign_in
    from tests.conftest import PASSWORDS

    from qorgau.core.db import session_factory

    workdir = Path(tempfile.mkdtemp(prefix="qorgau-weight-"))
    url = args.database
    if url is None:
        from qorgau.app.demo import run_demo
        from qorgau.core.migrate import upgrade

        url = f"sqlite:///{workdir / 'demo.db'}"
        upgrade(url)
        run_demo(url, seed=7, enterprises=args.enterprises)
    base, app = _serve(url, workdir / "var")
    import plotly

    full_plotly = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").stat().st_size
    pages: dict[str, dict] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for role in args.roles.split(","):
            username = None if role == "anonymous" else role
            with session_factory(url)() as session:
                paths = page_paths(app.state.route_table, session, username)
            for path in paths:
                context = browser.new_context(viewport={"width": 360, "height": 800}, is_mobile=True)
                if username:
                    sign_in(context, base, username, PASSWORDS[username])
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                response = page.request.get(base + path, max_redirects=0)
                if response.status >= 500:
                    raise RuntimeError(f"{role} {path}: server error {response.status}")
                if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
                    context.close()
                    continue
                first, first_body = _measure(page, cdp, base + path)
                repeat, _ = _measure(page, cdp, base + path)
                context.close()
                key = f"{role} {path}"
                pages[key] = {"first": first, "repeat": repeat, "uncompressed_uncached": first_body,
                              "ok": first <= FIRST_BUDGET and repeat <= REPEAT_BUDGET}
                print(f"{key:70s} first {first / 1024:7.1f} KB  repeat {repeat / 1024:6.1f} KB  "
                      f"(baseline {first_body / 1024:7.1f} KB every visit)", flush=True)
        browser.close()
    worst_first = max(pages.items(), key=lambda kv: kv[1]["first"])
    worst_repeat = max(pages.items(), key=lambda kv: kv[1]["repeat"])
    firsts = sorted(p["first"] for p in pages.values())
    result = {
        "benchmark": "page_weight", "pages": len(pages), "roles": args.roles.split(","),
        "budget_first_bytes": FIRST_BUDGET, "budget_repeat_bytes": REPEAT_BUDGET,
        "within_budget": all(p["ok"] for p in pages.values()),
        "over_budget": [k for k, p in pages.items() if not p["ok"]],
        "first_max": {"page": worst_first[0], "bytes": worst_first[1]["first"]},
        "first_median_bytes": firsts[len(firsts) // 2] if firsts else None,
        "repeat_max": {"page": worst_repeat[0], "bytes": worst_repeat[1]["repeat"]},
        "baseline_uncompressed_uncached_max_bytes": max((p["uncompressed_uncached"] for p in pages.values()), default=0),
        "baseline_full_plotly_js_bytes": full_plotly,
        "per_page": pages,
    }
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
