"""Jinja2 with i18n, locale formatting and the page helpers every template uses."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup

from qorgau.core import i18n, policy
from qorgau.core.assets import static_url
from qorgau.core.charts import chart_scripts, plot
from qorgau.core.plugins import CAPABILITIES, modules

_ROOT = Path(__file__).resolve().parent.parent


def _template_dirs() -> list[str]:
    dirs = [_ROOT / "core" / "templates"] + [_ROOT / pkg / "templates" for pkg in CAPABILITIES]
    return [str(d) for d in dirs if d.is_dir()]


def template_domains() -> dict[str, str]:
    """Template name -> the package whose catalog translates it (the first directory that has it wins,
    as in the loader)."""
    owners: dict[str, str] = {}
    for directory in _template_dirs():
        package = Path(directory).parent.name
        for path in sorted(Path(directory).rglob("*.html")):
            owners.setdefault(path.relative_to(directory).as_posix(), package)
    return owners


_DOMAIN_CALLS = {"_": "_in_domain", "gettext": "_in_domain", "ngettext": "_plural_in_domain"}


class PackageDomain(Extension):
    """Rewrites `_("...")` in a template of package P into `_in_domain("P", "...")`, so the words a
    template shows come from its own package's catalog whatever page includes or extends it."""

    def filter_stream(self, stream: TokenStream):
        name = stream.name or ""
        first = name.split("/", 1)[0]
        domain = _TEMPLATE_DOMAINS.get(name) or (first if "/" in name and first in i18n.domains() else "core")
        previous = None
        for token in stream:
            if (token.type == "name" and token.value in _DOMAIN_CALLS and stream.current.type == "lparen"
                    and not (previous is not None and previous.type == "dot")):
                yield Token(token.lineno, "name", _DOMAIN_CALLS[token.value])
                yield next(stream)  # the opening parenthesis
                yield Token(token.lineno, "string", domain)
                yield Token(token.lineno, "comma", ",")
                previous = None
                continue
            previous = token
            yield token


@pass_context
def _in_domain(context, domain: str, message: str, **variables) -> str:
    text = i18n.translate(message, domain)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return i18n.fill(text, variables)


@pass_context
def _plural_in_domain(context, domain: str, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    text = i18n.translate_plural(singular, plural, num, domain)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return i18n.fill(text, variables)


_TEMPLATE_DOMAINS = template_domains()


def _build_env() -> Environment:
    env = Environment(loader=ChoiceLoader([FileSystemLoader(_template_dirs())]),
                      autoescape=select_autoescape(["html", "xml"]),
                      extensions=["jinja2.ext.i18n", PackageDomain], trim_blocks=True, lstrip_blocks=True)
    # Added by the i18n extension; Jinja's new-style callables fill in the parameters themselves.
    install = env.install_gettext_callables  # type: ignore[attr-defined]
    install(i18n.translate, i18n.translate_plural, newstyle=True)
    env.globals.update(
        _in_domain=_in_domain, _plural_in_domain=_plural_in_domain,
        format_date=i18n.format_date, format_datetime=i18n.format_datetime,
        format_number=i18n.format_number, format_percent=i18n.format_percent,
        localized=i18n.localized, LOCALES=i18n.LOCALES, LOCALE_NAMES=i18n.LOCALE_NAMES,
        static_url=static_url, plot=plot, chart_scripts=chart_scripts,
    )
    for _package, names in modules("template_globals"):  # e.g. the registry's town names
        env.globals.update(names.GLOBALS)
    env.filters.update(date=i18n.format_date, datetime=i18n.format_datetime, number=i18n.format_number,
                       percent=i18n.format_percent)
    return env


env = _build_env()


def nav_items(user) -> list:
    items, seen = [], set()
    for _package, views in modules("views"):
        for item in getattr(views, "NAV", []):
            granted = item.public or (item.permission and policy.allowed(user, item.permission))
            if granted and (item.url, str(item.label)) not in seen:  # one entry per page, whatever grants it
                seen.add((item.url, str(item.label)))
                items.append(item)
    return items


def render(request: Request, template: str, context: dict | None = None, status_code: int = 200,
           headers: dict | None = None) -> HTMLResponse:
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
