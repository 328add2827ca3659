"""Small numbers stay private: accident and disease statistics shown to employers and on public pages hide
cells under the Worker Speaks threshold (one shared rule, qorgau.core.disclosure)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from qorgau.core import disclosure

rows_strategy = st.lists(st.fixed_dictionaries({
    "group": st.integers(0, 50), "cases": st.one_of(st.none(), st.integers(0, 40)),
    "rate": st.floats(0, 100), "ci_low": st.floats(0, 10), "ci_high": st.floats(10, 200)}), max_size=30)


@given(rows_strategy)
def test_a_lone_small_cell_takes_the_next_smallest_with_it(rows):
    out = disclosure.suppress_small_cells(rows, count="cases", derived=("rate",), complementary=True)
    small = [0 < (r["cases"] or 0) < disclosure.MIN_CELL for r in rows]
    hidden = [r["suppressed"] for r in out]
    assert all(h for h, s in zip(hidden, small, strict=True) if s)
    if sum(small) == 1 and any(r["cases"] for r, s in zip(rows, small, strict=True) if not s):
        assert sum(hidden) == 2  # a total minus the visible cells no longer gives the small one back
    else:
        assert hidden == small


@given(rows_strategy)
def test_every_small_cell_is_hidden_with_its_rate_and_nothing_else_changes(rows):
    out = disclosure.suppress_small_cells(rows, count="cases", derived=("rate", "ci_low", "ci_high"))
    assert len(out) == len(rows)
    for before, after in zip(rows, out, strict=True):
        small = before["cases"] is not None and 0 < before["cases"] < disclosure.MIN_CELL
        assert after["suppressed"] is small
        if small:
            assert after["cases"] is None and after["rate"] is None and after["ci_low"] is None
            assert after["ci_high"] is None and after["group"] == before["group"]
        else:
            assert {k: v for k, v in after.items() if k != "suppressed"} == before
    assert all("suppressed" not in r for r in rows)  # the input is not changed


def test_worker_speaks_uses_the_same_threshold():
    from qorgau.speaks import service

    assert service.MIN_CELL == disclosure.MIN_CELL == 5


def _user(session, username):
    from qorgau.core.models import User

    return session.execute(select(User).where(User.username == username)).scalar_one()


def _record(session, enterprise_id: int, day: date, victims: int) -> None:
    from qorgau.incidents import service
    from qorgau.incidents.schemas import AccidentIn, VictimIn

    service.record(session=session, actor=_user(session, "admin"), accident_in=AccidentIn(
        enterprise_id=enterprise_id, occurred_on=day, description="Small-cell test",
        victims=[VictimIn(outcome="light") for _ in range(victims)]))


def test_public_statistics_hide_small_cells_that_the_union_sees(client, sign_in, session):
    from qorgau.incidents import service
    from qorgau.incidents.models import Accident
    from qorgau.registry.models import Enterprise, Region

    years = service.default_years()
    # A region with no accident on record in the five years gets two victims: a cell of 2.
    busy = select(Enterprise.region_kato).join(Accident, Accident.enterprise_id == Enterprise.id) \
        .where(Accident.occurred_on >= date(years[0], 1, 1))
    quiet = session.execute(select(Region.kato).where(Region.kato.not_in(busy)).order_by(Region.kato)).scalars().first()
    enterprise = Enterprise(bin="990440000017", name_ru="ТОО «Малый цех»", name_kk="«Шағын цех» ЖШС",
                            name_en="Small Shop LLP", region_kato=quiet, town="-", sector_code="C", headcount=30,
                            has_union=False)
    session.add(enterprise)
    session.flush()
    _record(session, enterprise.id, date(years[-1], 3, 10), victims=2)
    session.commit()

    full = {r["group"]: r for r in sign_in("analyst").get("/api/v1/incidents/rates?by=region").json()}
    assert full[quiet]["cases"] == 2
    public = {r["group"]: r for r in client.get("/api/v1/incidents/public/rates?by=region").json()}
    assert public[quiet]["suppressed"] and public[quiet]["cases"] is None and public[quiet]["rate"] is None
    lone = sum(0 < r["cases"] < 5 for r in full.values()) == 1
    for region, row in full.items():
        small = 0 < row["cases"] < 5
        if small:
            assert public[region]["suppressed"], region
        elif not public[region]["suppressed"]:
            assert public[region]["cases"] == row["cases"]
    # Besides the small cells, at most the one complementary cell is hidden (only when a small cell is alone).
    extra = [g for g, r in public.items() if r["suppressed"] and not 0 < full[g]["cases"] < 5]
    assert len(extra) == (1 if lone else 0)
    assert any(not r["suppressed"] and r["cases"] >= 5 for r in public.values()), "big cells stay visible"
    for lang, words in (("en", "fewer than 5 cases"), ("ru", "менее 5"), ("kk", "5-тен")):
        page = client.get("/incidents/statistics", cookies={"lang": lang})
        assert page.status_code == 200 and words in page.text, lang
    assert "&lt; 5" in client.get("/incidents/statistics").text


def test_an_employer_sees_its_own_and_its_sector_rates_with_small_cells_hidden(sign_in, session):
    from qorgau.incidents import service

    employer = _user(session, "employer")
    own = employer.scope_enterprise_id
    first = service.default_years(10)[0]  # before the demo's accidents: a year of the employer's own, small
    _record(session, own, date(first, 5, 20), victims=3)
    session.commit()
    union = sign_in("officer").get(f"/incidents/enterprises/{own}?export=csv", cookies={"lang": "en"}).text
    assert f"\n{first},3," in union.replace("\r", "")  # the union's officer sees the full figures
    page = sign_in("employer").get(f"/incidents/enterprises/{own}", cookies={"lang": "en"})
    assert page.status_code == 200
    assert "fewer than 5 cases" in page.text and f"<td>{first}</td><td class=\"num\">&lt; 5</td>" in page.text
    rows = sign_in("employer").get(f"/incidents/enterprises/{own}?export=csv").text.replace("\r", "")
    assert f"\n{first},,," in rows  # no count, no rate in the download either
