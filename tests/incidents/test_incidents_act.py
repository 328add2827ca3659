"""The act on an accident related to work (Labour Code art. 189-190) printed in Kazakh and Russian: enterprise,
date, commission, causes, fault split, measures and dissent; its code verifies publicly; only those who may write
the accident's investigation issue it."""

from __future__ import annotations

import io
import re
from datetime import date

from pypdf import PdfReader

KAZAKH_LETTERS = set("әғқңөұүһі")


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def _post(client, url: str, data: dict):
    page = client.get(url.rsplit("/", 1)[0])
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def _investigated(inspector) -> int:
    created = inspector.post("/api/v1/incidents/accidents", json={
        "enterprise_id": 1, "occurred_on": "2026-03-02", "cause": "ppe",
        "description": "Слесарь құлады с лестницы при замене светильника в цехе № 2.",
        "victims": [{"outcome": "serious", "days_lost": 24, "sex": "m", "age_band": "25-34"}]})
    assert created.status_code == 201, created.text
    accident_id = created.json()["id"]
    url = f"/incidents/accidents/{accident_id}"
    assert _post(inspector, f"{url}/commission", {
        "formed_on": "2026-03-03", "member_name_1": "Асқар Сейтқали", "member_role_1": "председатель комиссии",
        "member_name_2": "Жаһан Өмірбекова", "member_role_2": "техникалық инспектор",
        "member_name_3": "Ұлжан Нұрғалиева", "member_role_3": "инженер по охране труда",
        "workers_representative": "2"}).status_code == 303
    page = inspector.get(url)
    ids = [int(x) for x in re.findall(r'name="dissent_(\d+)"', page.text)]
    assert len(ids) == 3
    done = _post(inspector, f"{url}/act", {
        "act_on": "2026-03-12", "employer_fault_percent": "75", "worker_fault_percent": "25",
        "occurred_time": "10:40", "place": "механический цех № 2, пролёт Б",
        "causes_found": "Стремянка без упоров; наряд-допуск на работу на высоте не оформлен.",
        "responsible_persons": "Мастер участка Б. Қасымов: допустил работу на высоте без наряда-допуска.",
        "measure_1": "Заменить стремянки на подмости с ограждением", "measure_due_1": "2026-04-01",
        "measure_responsible_1": "главный механик",
        "measure_2": "Провести внеплановый инструктаж по работе на высоте", "measure_due_2": "2026-03-20",
        f"dissent_{ids[1]}": "Считаю вину работника не доказанной: страховочная привязь не выдавалась."})
    assert done.status_code == 303, done.text
    return accident_id


def test_act_in_kazakh_and_russian_with_a_code_that_verifies(sign_in, client):
    inspector = sign_in("inspector")
    accident_id = _investigated(inspector)
    url = f"/incidents/accidents/{accident_id}"
    page = inspector.get(url)
    assert f"{url}/act.pdf" in page.text and "Заменить стремянки" in page.text

    kk = inspector.post(f"{url}/act.pdf", data={"language": "kk"})
    assert kk.status_code == 200 and kk.headers["content-type"] == "application/pdf"
    text = _text(kk.content)
    from qorgau.core import i18n

    with i18n.locale_context("kk"):
        due, occurred = (" ".join(i18n.format_date(date(2026, 4, 1)).split()),
                         " ".join(i18n.format_date(date(2026, 3, 2), "long").split()))
    assert "Еңбек қызметіне байланысты жазатайым оқиға туралы акт" in text
    assert set(text.lower()) >= KAZAKH_LETTERS
    for expected in ("Асқар Сейтқали", "Жаһан Өмірбекова", "Ұлжан Нұрғалиева", "75%", "25%",
                     "Стремянка без упоров", "Б. Қасымов", "Заменить стремянки", due, occurred,
                     "страховочная привязь не выдавалась", "10:40", "механический цех № 2", f"№ {accident_id}"):
        assert expected in text, expected
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", text).group(0)

    ru = inspector.post(f"{url}/act.pdf", data={"language": "ru"})
    ru_text = _text(ru.content)
    assert "Акт о несчастном случае, связанном с трудовой деятельностью" in ru_text
    assert "Особые мнения членов комиссии" in ru_text and "Вина работодателя" in ru_text
    assert "смотри особое мнение" in ru_text
    # The inspector's role holds no personal data of accidents: sex and age are not printed.
    assert "25-34" not in ru_text
    en = inspector.post(f"{url}/act.pdf", data={"language": "en"})
    assert "Act on an accident related to work" in _text(en.content)

    check = client.get(f"/verify/{code}")
    assert check.status_code == 200 and "Еңбек қызметіне байланысты жазатайым оқиға туралы акт" in check.text

    officer = sign_in("officer")
    officer_text = _text(officer.post(f"{url}/act.pdf", data={"language": "ru"}).content)
    assert "25-34" in officer_text  # a union officer may see the victim's particulars

    assert sign_in("analyst").post(f"{url}/act.pdf", data={"language": "kk"}).status_code == 403
    assert sign_in("state").post(f"{url}/act.pdf", data={"language": "kk"}).status_code in (403, 404)
    assert inspector.post(f"{url}/act.pdf", data={"language": "de"}).status_code == 422


def test_no_act_before_the_investigation_is_recorded(sign_in):
    inspector = sign_in("inspector")
    created = inspector.post("/api/v1/incidents/accidents", json={
        "enterprise_id": 1, "occurred_on": "2026-03-02", "victims": [{"outcome": "light"}]})
    accident_id = created.json()["id"]
    assert inspector.post(f"/incidents/accidents/{accident_id}/act.pdf", data={"language": "ru"}).status_code == 422
    assert f"/incidents/accidents/{accident_id}/act.pdf" not in inspector.get(f"/incidents/accidents/{accident_id}").text
