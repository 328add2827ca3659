"""A worker files a report in Kazakh on a phone with a GPS-tagged photo, an officer replies, and the
worker reads the reply with the receipt."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _gps_photo(path):
    image = Image.new("RGB", (120, 90), (180, 60, 20))
    exif = image.getexif()
    exif[0x010F] = "WorkerPhone"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (47.0, 47.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    path.write_bytes(buffer.getvalue())
    return path


def test_worker_reports_in_kazakh_and_reads_the_reply(live_server, phone, browser, tmp_path):
    phone.goto(live_server + "/lang/kk?next=/speak/")
    assert phone.locator("html").get_attribute("lang") == "kk"
    phone.get_by_label("Қай жерде жұмыс істейсіз? Атауы, БСН немесе елді мекен").fill("Ертіс")
    phone.get_by_role("button", name="Табу").click()
    phone.get_by_label("«Ертіс мыс-мырыш комбинаты» АҚ", exact=False).check()
    phone.get_by_label("Не болып жатыр? Нақты қай жерде?", exact=False).fill(
        "Обжиг цехында бір айдан бері респиратор бермейді, шаң өте көп.")
    phone.get_by_label("Фотосуреттер", exact=False).set_input_files(str(_gps_photo(tmp_path / "photo.jpg")))
    phone.get_by_role("button", name="Өтінішті жіберу").click()
    receipt = phone.locator("#receipt").inner_text().strip()
    assert len(receipt.replace(" ", "")) == 16
    # report ids are random, so the inbox order cannot single it out: the worker's thread names the reference
    phone.goto(live_server + "/speak/follow")
    phone.get_by_label("Түбіртек коды (16 цифр)").fill(receipt)
    phone.get_by_role("button", name="Ашу").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("WS-")
    reference = phone.get_by_role("heading", level=1).inner_text().split()[-1]

    officer = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU").new_page()
    officer.goto(live_server + "/login")
    officer.get_by_label("Имя пользователя").fill("officer")
    officer.get_by_label("Пароль").fill("officer-demo-2026")
    officer.get_by_role("button", name="Войти").click()
    officer.goto(live_server + "/speaks/inbox?status=new")
    officer.get_by_role("link", name=reference, exact=True).click()
    assert "респиратор" in officer.locator(".report-text").first.inner_text()
    image = officer.locator("img.photo").first
    expect(image).to_have_js_property("naturalWidth", 120)  # retried until the photo has loaded
    officer.get_by_label("Ответить работнику (анонимно)").fill("Рақмет! Инспектор бүгін цехты тексереді.")
    officer.get_by_role("button", name="Отправить").click()

    phone.goto(live_server + "/speak/follow")
    phone.get_by_label("Түбіртек коды (16 цифр)").fill(receipt)
    phone.get_by_role("button", name="Ашу").click()
    assert "Инспектор бүгін цехты тексереді" in phone.locator(".thread").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
