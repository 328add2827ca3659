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


def test_the_language_switcher_remembers_a_signed_in_users_choice(sign_in, session):
    from sqlalchemy import select

    from qorgau.core.models import User

    client = sign_in("inspector")
    response = client.get("/lang/kk?next=/", follow_redirects=False)
    assert response.status_code == 303
    session.expire_all()
    assert session.execute(select(User.locale).where(User.username == "inspector")).scalar_one() == "kk"
    client.get("/lang/ru?next=/", follow_redirects=False)
    session.expire_all()
    assert session.execute(select(User.locale).where(User.username == "inspector")).scalar_one() == "ru"


def test_a_bad_parameter_is_explained_in_the_readers_language(sign_in):
    client = sign_in("officer")
    client.cookies.set("lang", "ru")
    page = client.get("/registry/enterprises?page=abc")
    assert page.status_code == 422
    assert "Введите целое число." in page.text
    assert "valid integer" not in page.text
    api = client.get("/api/v1/registry/enterprises?page=abc", headers={"Accept-Language": "kk"})
    assert api.json()["error"]["message"] in ("Бүтін сан енгізіңіз.", "Введите целое число.")


def test_a_date_ending_in_a_full_stop_is_not_followed_by_another():
    import datetime

    with i18n.locale_context("ru"):
        date = i18n.format_date(datetime.date(2026, 3, 8))
        assert date.endswith("г.")
        assert i18n.fill("Извещены %(date)s.", {"date": date}) == f"Извещены {date}"
        assert not env.from_string('{{ _("Published on %(date)s.", date=d) }}').render(d=date).endswith("..")


def test_the_menu_lists_each_page_once_under_its_own_name(session):
    from sqlalchemy import select

    from qorgau.core.models import User
    from qorgau.core.templating import nav_items

    for username in ("admin", "officer", "inspector", "state"):
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        items = nav_items(user)
        for locale in ("kk", "ru"):
            with i18n.locale_context(locale):
                labels = [i18n.translate(item.label) for item in items]
            assert len(labels) == len(set(labels)), (username, locale, labels)
        assert len({item.url for item in items}) == len(items), username


def test_the_speak_form_and_receipt_speak_the_readers_language_without_inline_script(client):
    import re

    client.cookies.set("lang", "kk")
    page = client.get("/speak/?q=Ертис")
    assert "Файлдарды таңдау" in page.text and 'type="file"' in page.text
    token = client.cookies.get("qorgau_csrf")
    receipt = client.post("/speak/new", data={"csrf_token": token, "enterprise_id": "1", "kind": "hazard",
                                              "category": "not_sure",
                                              "description": "Респиратор жоқ, цехте шаң көп, желдету істемейді."})
    assert receipt.status_code == 200
    assert 'id="receipt-copy"' in receipt.text and "Кодты көшіру" in receipt.text
    assert 'id="receipt-save"' in receipt.text
    # Every script is a file: no inline code for a Content-Security-Policy to forbid.
    for tag in re.findall(r"<script[^>]*>(.*?)</script>", page.text + receipt.text, re.S):
        assert not tag.strip()
    assert client.get("/static/speaks/speak.js").status_code == 200
