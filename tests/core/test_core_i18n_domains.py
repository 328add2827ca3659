"""Each package translates its own words: no package's catalog can change another package's text."""

from __future__ import annotations

from collections import defaultdict

import pytest
from babel.messages.pofile import read_po

from qorgau.core import i18n
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.templating import env, template_domains


def _catalog_entries(locale: str) -> dict[str, dict[str, str]]:
    """msgid -> {package: translation} over every catalog."""
    entries: dict[str, dict[str, str]] = defaultdict(dict)
    for path in i18n.catalog_files(locale):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and isinstance(message.id, str) and message.string:
                    entries[message.id][path.parent.parent.name] = message.string
    return entries


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_every_package_reads_its_own_translation(locale):
    """Every message id that two catalogs translate differently is shown, in each package's templates
    and code, with that package's own translation (the merged catalog let the last one win)."""
    differing = {msgid: by_package for msgid, by_package in _catalog_entries(locale).items()
                 if len(set(by_package.values())) > 1}
    assert differing, "expected some message ids with package-specific translations"
    with i18n.locale_context(locale):
        for msgid, by_package in differing.items():
            for package, expected in by_package.items():
                assert i18n.translate(msgid, package) == expected, (package, msgid)
                source = '{{ _("' + msgid.replace('"', '\\"') + '") }}'
                code = env.compile(source, name=f"{package}/probe.html")
                assert env.template_class.from_code(env, code, env.globals).render() == expected, (package, msgid)


def test_a_template_translates_from_its_package_whatever_page_shows_it():
    owners = template_domains()
    assert owners["base.html"] == "core"
    assert owners["deviations/capture.html"] == "deviations"
    assert owners["risk/plan.html"] == "risk"
    with i18n.locale_context("ru"):
        source = env.loader.get_source(env, "deviations/capture.html")[0]  # type: ignore[union-attr]
        assert '_("Record")' in source
        assert i18n.translate("Record", "deviations") == "Зарегистрировать"
        assert i18n.translate("Record", "risk") == "Записать"
        assert i18n.translate("Open", "monitoring") == "Открытые"
        assert i18n.translate("Role", "core") == "Роль"


def test_marked_messages_and_errors_remember_their_package():
    marked = N_("Record")  # written in a test module: no package, core then every catalog
    assert marked.domain is None
    risk_label = i18n.mark("Record", "risk")
    deviations_label = i18n.mark("Record", "deviations")
    with i18n.locale_context("kk"):
        assert i18n.gettext(risk_label) == "Жазу"
        assert i18n.gettext(deviations_label) == "Тіркеу"
        # Shown by core code (the error page), still from the raising package's catalog.
        assert ValidationFailed(deviations_label).message.domain == "deviations"
        assert i18n.domain_of_module("qorgau.incidents.views") == "incidents"
        assert i18n.domain_of_module("qorgau.cli") == "core"
        assert i18n.domain_of_module("tests.core") is None


def test_plural_forms_follow_the_package_catalog():
    with i18n.locale_context("ru"):
        text = i18n.translate_plural("%(num)s enterprise", "%(num)s enterprises", 5, "registry")
        assert text % {"num": 5} == "5 предприятий"
