"""A crawl of every HTML page of the app, as each demo role, at phone and desktop width, in kk and ru.

Each visited page goes through every function in CHECKS (sideways overflow, controls off the screen, tap
targets, the menu, charts, console errors, English words on kk/ru pages, axe-core); a check gets the Playwright page and the
Visit and returns a list of problems (empty when the page passes). Another check is plugged in by
appending a function to CHECKS (or passing `checks=` to `crawl`).

Pages come from `app.state.route_table` (GET routes that answer HTML); path parameters are resolved
to objects of an enterprise the role can reach, as the scope test does (tests/scoping.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from tests.language import DEMO_WORDS, english_words, reference_page
from tests.scoping import NOT_SCOPED, RESOLVERS

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
VIEWPORTS = {"phone": {"width": 360, "height": 800}, "desktop": {"width": 1366, "height": 800}}
LOCALES = ("kk", "ru")
ROLES = (None, "admin", "officer", "inspector", "employer", "state", "analyst")  # None: not signed in
PARAM = re.compile(r"{(\w+)(?::\w+)?}")
# GET routes that are not pages: files, fragments for htmx, redirects, health checks.
NOT_PAGES = re.compile(r"^/api/|^/lang/|^/healthz$|^/readyz$|^/speak$|/photos?/|/photo$|/attachments/|/evidence/|"
                       r"/yaml$|\.xlsx$|/places$|/live$|/logout$|^/speak/enterprises$|^/knowledge/beside/|"
                       r"^/training/lessons/{lesson_id}/video$")
TAP = 44  # px: the least height of a control a thumb must hit
CONTROLS = ("button, .button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, summary, "
            ".langs a, .menu nav a, .public a, .pager a")


@dataclass
class Visit:
    url: str
    role: str | None
    locale: str
    viewport: str
    console: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.role or 'anonymous'} {self.locale} {self.viewport} {self.url}"


Check = Callable[[object, Visit], list[str]]


def no_horizontal_scroll(page, visit: Visit) -> list[str]:
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    return [f"page is {width[0]} px wide in a {width[1]} px window"] if width[0] > width[1] else []


_OUTSIDE_JS = """() => {
  const width = document.documentElement.clientWidth, found = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')) {
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    let inBox = false;  // inside a box that scrolls (or clips) sideways: reached by scrolling that box
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') { inBox = true; break; }
    }
    if (!inBox && (r.left < -1 || r.right > width + 1)) {
      found.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim().slice(0, 40)}" at ${Math.round(r.left)}..${Math.round(r.right)} px`);
    }
  }
  return found;
}"""


def controls_inside_viewport(page, visit: Visit) -> list[str]:
    return [f"control outside the screen: {c}" for c in page.evaluate(_OUTSIDE_JS)]


_TAP_JS = """([selector, least]) => {
  const found = [];
  for (const el of document.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    if (r.height < least - 0.5) found.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim().slice(0, 40)}" is ${Math.round(r.height)} px high`);
  }
  return found;
}"""


def tap_targets(page, visit: Visit) -> list[str]:
    if visit.viewport != "phone":
        return []
    return [f"tap target too small: {c}" for c in page.evaluate(_TAP_JS, [CONTROLS, TAP])]


_MENU_JS = """() => {
  const menu = document.querySelector('details.menu');
  if (!menu) return null;
  menu.open = true;
  const r = menu.querySelector('nav').getBoundingClientRect();
  menu.open = false;
  return [Math.round(r.left), Math.round(r.right), document.documentElement.clientWidth];
}"""


def menu_opens_inside(page, visit: Visit) -> list[str]:
    box = page.evaluate(_MENU_JS)
    if box is None or (box[0] >= 0 and box[1] <= box[2]):
        return []
    return [f"the open menu spans {box[0]}..{box[1]} px of a {box[2]} px screen"]


_AXE_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
}"""


def axe_serious(page, visit: Visit) -> list[str]:
    """axe-core at phone width (the markup is the same at both widths; the phone layout is the tighter)."""
    if visit.viewport != "phone":
        return []
    return [f"axe: {v}" for v in page.evaluate(_AXE_JS)]


def no_console_errors(page, visit: Visit) -> list[str]:
    return [f"console: {line}" for line in visit.console]


def charts_drawn(page, visit: Visit) -> list[str]:
    """Every chart placeholder was drawn by charts.js (no inline script needed, none blocked)."""
    missing = page.evaluate("document.querySelectorAll('.plot:not([data-drawn])').length")
    return [f"{missing} chart(s) not drawn"] if missing else []


def no_english_words(page, visit: Visit) -> list[str]:
    """No English word in the page as the browser shows it (text, labels, placeholders, alt texts), outside the
    allow-list of names, codes and units of tests/language.py; pages of reference text published in English only
    are spared (tests/language.py REFERENCE_PAGES)."""
    if visit.locale == "en" or reference_page(visit.url):
        return []
    words = english_words(page.content(), DEMO_WORDS)
    return [f"English words: {' '.join(words[:25])}"] if words else []


CHECKS: list[Check] = [no_horizontal_scroll, controls_inside_viewport, tap_targets, menu_opens_inside,
                       charts_drawn, no_console_errors, no_english_words, axe_serious]


def _enterprise_for(session, user) -> int:
    """An enterprise with sites and zones that the user can reach (any such one for national roles)."""
    from qorgau.registry import access
    from qorgau.registry.models import Enterprise, Site, Zone

    candidates = list(session.execute(select(Enterprise.id).join(Site).join(Zone).distinct()
                                      .order_by(Enterprise.id)).scalars())
    for enterprise_id in candidates:
        if user is not None and access.can_reach_enterprise(session, user, enterprise_id):
            return enterprise_id
    return candidates[0]


def _published(session) -> tuple[str, str] | None:
    """(period, BIN) of an enterprise in a published Safety Index, for the public enterprise page."""
    from qorgau.index.models import Publication, Score
    from qorgau.registry.models import Enterprise

    row = session.execute(select(Publication.period, Enterprise.bin).join(Score, Score.run_id == Publication.run_id)
                          .join(Enterprise, Enterprise.id == Score.enterprise_id)
                          .where(Publication.withdrawn_at.is_(None)).limit(1)).first()
    return None if row is None else (str(row[0]), row[1])


def _existing_plan(session) -> tuple[int | None, int | None]:
    """An existing inspection plan and item: making one would add a model run, which changes /risk/ itself."""
    from qorgau.risk.models import InspectionItem

    item = session.execute(select(InspectionItem).limit(1)).scalar()
    return (None, None) if item is None else (item.plan_id, item.id)


def page_paths(route_table: Iterable[tuple[str, str]], session, username: str | None) -> list[str]:
    """The paths of every HTML page, with ids of objects the role can reach (made where missing)."""
    from qorgau.core.models import User

    user = None if username is None else session.execute(select(User).where(User.username == username)).scalar_one()
    enterprise_id = _enterprise_for(session, user)
    fixed = dict(NOT_SCOPED)
    published = _published(session)
    if published:
        fixed["index_period"], fixed["published_bin"] = published
    fixed["risk_plan_id"], fixed["risk_item_id"] = _existing_plan(session)
    values: dict[str, object] = {}
    paths = []
    for method, path in route_table:
        if method != "GET" or NOT_PAGES.search(path):
            continue
        names = PARAM.findall(path)
        for name in names:
            if name not in values:
                if name not in fixed and name not in RESOLVERS:
                    raise LookupError(f"{path}: no resolver for the path parameter {name!r}; add one to "
                                      "tests/scoping.py RESOLVERS (or NOT_SCOPED) so the crawl reaches the page")
                values[name] = fixed[name] if name in fixed else RESOLVERS[name](session, enterprise_id)
        if any(values[name] is None for name in names):
            continue
        paths.append(PARAM.sub(lambda m: str(values[m.group(1)]), path))
    session.commit()
    return list(dict.fromkeys(paths))


def sign_in(context, base: str, username: str, password: str) -> None:
    context.request.get(base + "/login")
    token = next(c["value"] for c in context.cookies() if c["name"] == "qorgau_csrf")
    response = context.request.post(base + "/login", form={"username": username, "password": password,
                                                          "csrf_token": token, "next": "/"}, max_redirects=0)
    assert response.status == 303, f"sign-in of {username} failed: {response.status}"


def _is_page(response) -> bool:
    return response.status == 200 and "text/html" in response.headers.get("content-type", "")


def crawl(browser, base: str, paths: list[str], role: str | None, password: str | None,
          checks: list[Check] | None = None) -> tuple[list[str], int]:
    """Visit every path at each viewport and locale; (problems found, pages checked)."""
    checks = CHECKS if checks is None else checks
    problems: list[str] = []
    visited = 0
    axe_source = AXE.read_text(encoding="utf-8")
    current: dict[str, Visit | None] = {"visit": None}
    pages: list[str] | None = None

    def on_console(message) -> None:
        if current["visit"] is not None and message.type == "error":
            current["visit"].console.append(message.text)

    def on_error(error) -> None:
        if current["visit"] is not None:
            current["visit"].console.append(str(error))

    for viewport, size in VIEWPORTS.items():
        context = browser.new_context(viewport=size, is_mobile=viewport == "phone", has_touch=viewport == "phone",
                                      device_scale_factor=1)
        if viewport == "phone":  # injected by the browser itself, so the page's CSP still applies to the page
            context.add_init_script(script=axe_source)
        if role is not None:
            sign_in(context, base, role, password or "")
        if pages is None:  # which paths answer this role with a page (once: the same at every width)
            pages = []
            for path in paths:
                answer = context.request.get(base + path, max_redirects=0)
                if answer.status >= 500:
                    problems.append(f"{role or 'anonymous'} {path}: server error {answer.status}")
                elif _is_page(answer):
                    pages.append(path)
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", on_error)
        for locale in LOCALES:
            context.add_cookies([{"name": "lang", "value": locale, "url": base}])
            for path in pages:
                visit = Visit(path, role, locale, viewport)
                current["visit"] = visit
                response = page.goto(base + path, wait_until="load")
                if response is None or not _is_page(response):
                    problems.append(f"{visit}: answered {response and response.status} on the second look")
                    continue
                visited += 1
                for check in checks:
                    problems += [f"{visit}: {problem}" for problem in check(page, visit)]
        context.close()
    return problems, visited
