"""The officer's triage card says where the category came from and never shows deciding words that
contradict the category shown."""

from __future__ import annotations

GAS = "В компрессорной сильно пахнет аммиаком, у двоих кружится голова, вентиляция не работает"


def _file(client, category: str) -> str:
    body = {"kind": "hazard", "enterprise_id": 1, "category": category, "description": GAS, "language": "ru"}
    response = client.post("/api/v1/speaks/public/reports", json=body)
    assert response.status_code == 201, response.text
    return response.json()["reference"]


def _card(officer, reference: str) -> tuple[int, str]:
    report_id = [r for r in officer.get("/api/v1/speaks/reports").json()["items"] if r["reference"] == reference][0]["id"]
    page = officer.get(f"/speaks/reports/{report_id}").text
    return report_id, page


def test_card_names_the_source_and_hides_contradicting_words(client, sign_in):
    by_model, by_worker = _file(client, "not_sure"), _file(client, "labor_rights")
    officer = sign_in("officer")

    report_id, page = _card(officer, by_model)
    assert 'data-source="model"' in page
    assert 'class="triage-words"' in page and "аммиак" in page.split('class="triage-words"')[1].split("</p>")[0]

    _, page = _card(officer, by_worker)
    assert 'data-source="worker"' in page
    assert 'class="triage-words"' not in page  # the model's gas words would contradict "labour rights"
    assert 'class="triage-model-reading"' in page

    response = officer.post(f"/speaks/reports/{report_id}/triage", data={"category": "fire_explosion",
                                                                        "urgency": "high"})
    assert response.status_code in (200, 303), response.text
    _, page = _card(officer, by_model)
    assert 'data-source="officer"' in page
    assert 'class="triage-words"' not in page
    assert 'class="triage-model-reading"' in page  # what the model had said stays visible, without its words
