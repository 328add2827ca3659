"""A town typed in Russian reads in the reader's language."""

from __future__ import annotations

from qorgau.app.demo import TOWNS
from qorgau.core import i18n
from qorgau.registry.towns import town_name


def test_every_demo_town_has_kazakh_and_english_names():
    for towns in TOWNS.values():
        for town in towns:
            assert town_name(town, "ru") and town_name(town, "kk") and town_name(town, "en").isascii(), town


def test_town_names_follow_the_locale():
    assert town_name("Усть-Каменогорск", "kk") == "Өскемен"
    assert town_name("Уральск", "kk") == "Орал"
    assert town_name("караганда", "kk") == "Қарағанды"
    with i18n.locale_context("kk"):
        assert town_name("Петропавловск") == "Петропавл"
    assert town_name("Новый посёлок", "kk") == "Новый посёлок"  # unknown towns stay as typed
    assert town_name(None) == ""


def test_the_speak_search_shows_kazakh_town_names(client):
    page = client.get("/speak/?q=Ертис", headers={"Accept-Language": "kk"}, cookies={"lang": "kk"})
    assert page.status_code == 200 and page.text.count('type="radio" name="enterprise_id"') > 1
    shown = [town_name(t, "ru") for towns in TOWNS.values() for t in towns if town_name(t, "ru") != town_name(t, "kk")]
    assert not any(f'<small class="muted">{ru}</small>' in page.text for ru in shown)
