#!/usr/bin/env python3
"""Phone screenshots of the main pages (360x800, Kazakh and Russian) for docs/screenshots/.

    .venv/bin/python scripts/phone_screenshots.py [--database URL]

Runs Qorgau on a fresh demo database (or the one given), opens each page in headless Chromium as the
demo user who works with it, and writes docs/screenshots/<page>-<role>-<lang>-phone.png.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"
# (file stem, role or None, language, path, what to do before the picture: open the menu, scroll to an element,
# or follow the first link that matches a selector, for pages whose address holds an id)
SHOTS = [
    ("home", "officer", "kk", "/", None),
    ("menu", "officer", "ru", "/", "menu"),
    ("speak", None, "kk", "/speak/", None),
    ("speaks-inbox", "officer", "ru", "/speaks/inbox", None),
    ("violation-form", "inspector", "kk", "/deviations/violations/new", None),
    ("incidents", "state", "ru", "/incidents/", "scroll:.plot"),
    ("index-ranking", None, "ru", "/index/", "scroll:.plot"),
    ("aiwork", "analyst", "kk", "/aiwork/", "scroll:#national"),
    ("alarm", "employer", "kk", "/monitoring/alarms?state=all", "follow:main a[href^='/monitoring/alarms/']"),
    ("accident", "officer", "ru", "/incidents/accidents", "follow:main a[href^='/incidents/accidents/']:not([href$='/new'])"),
    ("ai-filing", "officer", "kk", "/airegister/", "follow:main a[href^='/airegister/filings/']"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="an existing demo database (default: a fresh SQLite demo)")
    args = parser.parse_args()
    import uvicorn
    from playwright.sync_api import sync_playwright
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.browser.crawl import sign_in
    from tests.conftest import PASSWORDS

    from qorgau.app.web import create_app
    from qorgau.core.config import Settings

    workdir = Path(tempfile.mkdtemp(prefix="qorgau-shots-"))
    url = args.database
    if url is None:
        from qorgau.app.demo import run_demo
        from qorgau.core.migrate import upgrade

        url = f"sqlite:///{workdir / 'demo.db'}"
        upgrade(url)
        run_demo(url, seed=7, enterprises=40)
    app = create_app(Settings(database_url=url, data_dir=workdir / "var", secret_key="shots", data_key="shots-data"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for stem, role, lang, path, action in SHOTS:
            context = browser.new_context(viewport={"width": 360, "height": 800}, is_mobile=True, has_touch=True,
                                          device_scale_factor=1, locale={"kk": "kk-KZ", "ru": "ru-RU"}[lang])
            if role:
                sign_in(context, base, role, PASSWORDS[role])
            context.add_cookies([{"name": "lang", "value": lang, "url": base}])
            page = context.new_page()
            page.goto(base + path, wait_until="networkidle")
            if action and action.startswith("follow:"):
                href = page.locator(action.removeprefix("follow:")).first.get_attribute("href")
                page.goto(base + href, wait_until="networkidle")
            if action == "menu":
                page.locator("details.menu summary").click()
            elif action and action.startswith("scroll:"):
                page.locator(action.removeprefix("scroll:")).first.scroll_into_view_if_needed()
            target = OUT / f"{stem}-{role or 'public'}-{lang}-phone.png"
            page.screenshot(path=str(target))
            print(target.relative_to(ROOT))
            context.close()
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
