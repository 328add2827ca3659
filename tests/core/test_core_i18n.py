"""Every message of every package has Kazakh and Russian translations; formatting follows the locale."""

from __future__ import annotations

import pytest

from qorgau.core import i18n
from qorgau.core.i18n_tools import extract, missing
from qorgau.core.plugins import CAPABILITIES

PACKAGES = ["core", *[p for p in CAPABILITIES if (i18n.PACKAGE_ROOT / p).is_dir()]]


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_every_message_is_translated(package, locale):
    untranslated = missing(package, locale)
    assert not untranslated, f"{len(untranslated)} untranslated in {package}/{locale}: {untranslated[:10]}"


def test_extraction_sees_templates_and_code():
    messages = extract("registry")
    assert "Import enterprises" in messages  # a template string
    assert "The BIN's check digit is wrong: check for a typing error." in messages  # an error in code


def test_locale_formatting():
    with i18n.locale_context("ru"):
        assert i18n.format_number(1234567.5, 1) == "1\xa0234\xa0567,5"
        assert i18n.ngettext("%(num)s enterprise", "%(num)s enterprises", 3) == "3 предприятия"
        assert i18n.ngettext("%(num)s enterprise", "%(num)s enterprises", 5) == "5 предприятий"
    with i18n.locale_context("kk"):
        import datetime

        assert i18n.format_date(datetime.date(2025, 3, 8), "long") == "2025\u202fж. 8 наурыз"  # CLDR puts a narrow no-break space here
        assert i18n.gettext("Enterprises") == "Кәсіпорындар"
    with i18n.locale_context("en"):
        assert i18n.format_number(1234567.5, 1) == "1,234,567.5"


def test_accept_language_matching():
    assert i18n.best_match("kk-KZ,ru;q=0.8") == "kk"
    assert i18n.best_match("fr, en;q=0.3, ru;q=0.7") == "ru"
    assert i18n.best_match("de") == "ru"
    assert i18n.best_match(None, default="kk") == "kk"
