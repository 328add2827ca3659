"""Jinja2 with i18n, locale formatting and the page helpers every template uses."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from qorgau.core import i18n
from qorgau.core.assets import static_url
from qorgau.core.charts import chart_scripts, plot
from qorgau.core.plugins import CAPABILITIES, modules

_ROOT = Path(__file__).resolve().parent.parent


def _template_dirs() -> list[str]:
    dirs = [_ROOT / "core" / "templates"] + [_ROOT / pkg / "templates" for pkg in CAPABILITIES]
    return [str(d) for d in dirs if d.is_dir()]


def _build_env() -> Environment:
    env = Environment(loader=ChoiceLoader([FileSystemLoader(_template_dirs())]),
                      autoescape=select_autoescape(["html", "xml"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    # Added by the i18n extension; Jinja's new-style callables fill in the parameters themselves.
    install = env.install_gettext_callables  # type: ignore[attr-defined]
    install(i18n.translate, i18n.translate_plural, newstyle=True)
    env.globals.update(
        format_date=i18n.format_date, format_datetime=i18n.format_datetime,
        format_number=i18n.format_number, format_percent=i18n.format_percent,
        localized=i18n.localized, LOCALES=i18n.LOCALES, LOCALE_NAMES=i18n.LOCALE_NAMES,
        static_url=static_url, plot=plot, chart_scripts=chart_scripts,
    )
    env.filters.update(date=i18n.format_date, datetime=i18n.format_datetime, number=i18n.format_number,
                       percent=i18n.format_percent)
    return env


env = _build_env()


def nav_items(user) -> list:
    from qorgau.core import policy

    items = []
    for _package, views in modules("views"):
        for item in getattr(views, "NAV", []):
            if item.public or (item.permission and policy.allowed(user, item.permission)):
                items.append(item)
    return items


def render(request: Request, template: str, context: dict | None = None, status_code: int = 200,
           headers: dict | None = None) -> HTMLResponse:
    from qorgau.core import policy

    user = request.scope.get("qorgau.user")
    page = {
        "request": request,
        "user": user,
        "locale": i18n.get_locale(),
        "csrf_token": request.scope.get("qorgau.csrf_token", ""),
        "nav": nav_items(user),
        "allowed": lambda permission: policy.allowed(user, permission),
        "current_path": request.url.path,
        "current_url": str(request.url.path) + (("?" + request.url.query) if request.url.query else ""),
    }
    page.update(context or {})
    html = env.get_template(template).render(page)
    return HTMLResponse(html, status_code=status_code, headers=headers)
