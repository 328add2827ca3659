"""A blank days-lost cell is unknown, not zero days: stored as NULL, left out of every days-lost figure, counted."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from qorgau.incidents.engine import rates
from qorgau.incidents.engine.accident_file import parse_accidents

HEADER = "accident_id,date,enterprise_id,outcome,days_lost,region\n"
KNOWN = ("A1,2024-03-01,1,serious,30,KZ-ALA\nA1,2024-03-01,1,light,4,KZ-ALA\n"
         "A2,2024-05-02,2,light,12,KZ-AST\nA3,2024-06-03,2,serious,45,KZ-AST\n")
BLANKS = "A4,2024-07-04,1,light,,KZ-ALA\nA5,2024-08-05,2,serious,,KZ-AST\n"
EXPOSURE = pd.DataFrame({"enterprise_id": ["1", "2"], "year": [2024, 2024], "hours": [400_000.0, 600_000.0],
                         "workers": [220.0, 330.0], "region": ["KZ-ALA", "KZ-AST"]})


def _severity(text: str, by=None) -> list[dict]:
    cases = parse_accidents(text.encode(), "accidents.csv")
    return rates.severity_table(cases, EXPOSURE, by, base="per_1m_hours")


def test_a_blank_is_read_as_unknown_not_zero():
    cases = parse_accidents((HEADER + KNOWN + BLANKS).encode(), "accidents.csv")
    assert cases["days_lost"].isna().sum() == 2
    assert cases["days_lost"].sum() == 91  # the known days only


@pytest.mark.parametrize("by", [None, "region"])
def test_blanks_give_the_same_severity_rate_as_a_file_without_those_rows(by):
    with_blanks = _severity(HEADER + KNOWN + BLANKS, by)
    without = _severity(HEADER + KNOWN, by)
    assert [r["severity_rate"] for r in with_blanks] == pytest.approx([r["severity_rate"] for r in without])
    assert [r["days_lost"] for r in with_blanks] == [r["days_lost"] for r in without]
    assert [r["days_per_case"] for r in with_blanks] == pytest.approx([r["days_per_case"] for r in without])
    assert sum(r["days_unknown"] for r in with_blanks) == 2 and sum(r["days_unknown"] for r in without) == 0
    assert sum(r["cases"] for r in with_blanks) == sum(r["cases"] for r in without) + 2


def test_the_registry_stores_null_and_the_page_and_api_count_the_unknowns(session, sign_in):
    from qorgau.core import policy
    from qorgau.core.models import User
    from qorgau.incidents import file_import, service
    from qorgau.incidents.models import Victim

    admin = session.execute(select(User).where(User.role == policy.Role.ADMIN)).scalars().first()
    before = {r["group"]: r for r in service.severity_for(session=session, actor=admin, by=["year"])}
    result = file_import.import_file(session=session, actor=admin, data=(HEADER + KNOWN + BLANKS).encode(),
                                  filename="accidents.csv", kind="accidents")
    session.commit()
    assert result == {"accidents": 5, "victims": 6}
    assert len(session.execute(select(Victim).where(Victim.days_lost.is_(None))).scalars().all()) == 2
    after = {r["group"]: r for r in service.severity_for(session=session, actor=admin, by=["year"])}
    assert after[2024]["days_lost"] == before[2024]["days_lost"] + 91
    assert after[2024]["days_unknown"] == before[2024]["days_unknown"] + 2
    assert after[2024]["severity_rate"] == pytest.approx(before[2024]["severity_rate"] + 91 * 1e6
                                                         / after[2024]["exposure"])
    counts = {r["enterprise_id"]: r for r in service.counts_for_enterprises(
        session=session, start=pd.Timestamp("2024-07-01").date(), end=pd.Timestamp("2024-09-01").date())}
    assert counts[1]["days_unknown"] >= 1 and counts[2]["days_unknown"] >= 1

    client = sign_in("analyst")
    rows = client.get("/api/v1/incidents/severity?by=year").json()
    assert {r["group"]: r["days_unknown"] for r in rows}[2024] == after[2024]["days_unknown"]
    unknown = sum(r["days_unknown"] for r in rows)
    page = client.get("/incidents/", cookies={"lang": "ru"})
    assert page.status_code == 200 and f"{unknown} пострадавших с неизвестным числом потерянных дней" in page.text
    assert "с неизвестным числом" in client.get("/incidents/", cookies={"lang": "ru"}).text
    assert "белгісіз" in client.get("/incidents/", cookies={"lang": "kk"}).text
