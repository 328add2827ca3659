"""The share of the people who must be trained holding training in date, per enterprise (read by the Safety
Index): inspectors in office with a cycle training valid on the day, committee seats against committee
members trained, nobody required means no value."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select


def _enterprise(session, bin_):
    from qorgau.registry.models import Enterprise, Region

    region = session.execute(select(Region.kato).order_by(Region.kato)).scalars().first()
    enterprise = Enterprise(bin=bin_, name_ru="ТОО «Учебный цех»", name_kk="«Оқу цехы» ЖШС", name_en="Training Shop LLP",
                            region_kato=region, town="-", sector_code="C", headcount=40)
    session.add(enterprise)
    session.flush()
    return enterprise


def test_coverage_counts_inspectors_and_committee_seats_in_date(session):
    from qorgau.registry.models import SafetyCommittee, TechnicalInspector
    from qorgau.training import cycle
    from qorgau.training.models import Completion, Course, Enrolment
    from qorgau.training.service import coverage_for_enterprises

    on = date(2025, 12, 31)
    shop, empty = _enterprise(session, "990440000101"), _enterprise(session, "990440000102")
    inspectors = [TechnicalInspector(enterprise_id=shop.id, full_name=name, appointed_on=date(2020, 1, 1), ended_on=ended)
                  for name, ended in (("Сейітов А.", None), ("Омарова Б.", None), ("Ким В.", None),
                                      ("Ушедший Г.", date(2025, 6, 1)))]
    session.add_all(inspectors)
    session.add(SafetyCommittee(enterprise_id=shop.id, name="Өндірістік кеңес", established_on=date(2021, 1, 1),
                                members=2, worker_members=1))
    # Not yet established on the day: its seats do not count.
    session.add(SafetyCommittee(enterprise_id=empty.id, name="Жаңа кеңес", established_on=date(2026, 3, 1),
                                members=4, worker_members=2))
    session.flush()
    cycle.record(session, inspector_id=inspectors[0].id, enterprise_id=shop.id, person_name="Сейітов А.",
                 trained_on=date(2024, 5, 1))  # valid to 2027
    cycle.record(session, inspector_id=inspectors[1].id, enterprise_id=shop.id, person_name="Омарова Б.",
                 trained_on=date(2021, 5, 1))  # expired in 2024
    cycle.record(session, inspector_id=inspectors[3].id, enterprise_id=shop.id, person_name="Ушедший Г.",
                 trained_on=date(2024, 5, 1))  # no longer in office
    course = session.execute(select(Course).order_by(Course.id)).scalars().first()
    for name, done in (("Ахметова Г.", date(2025, 2, 1)), ("Ахметова Г.", date(2025, 3, 1)),
                       ("Бек Д.", date(2026, 2, 1))):
        enrolment = Enrolment(course_id=course.id, enterprise_id=shop.id, person_name=name, role="committee",
                               enrolled_by="union")
        session.add(enrolment)
        session.flush()
        session.add(Completion(course_id=course.id, enrolment_id=enrolment.id, enterprise_id=shop.id, person_name=name,
                               completed_on=done, valid_until=None))
    session.flush()

    coverage = coverage_for_enterprises(session=session, on=on)
    # Required: 3 inspectors in office + 2 seats = 5; trained: 1 inspector + 1 committee member (the other
    # finished after the day) = 2.
    assert coverage[shop.id] == 40.0
    assert empty.id not in coverage
    # Two years earlier: four inspectors in office (one left later), only the second one in date (the first and
    # the one who left were trained later), and no committee member trained yet: 1 of 6.
    assert coverage_for_enterprises(session=session, on=date(2023, 12, 31))[shop.id] == 100.0 / 6
    assert all(0.0 <= value <= 100.0 for value in coverage.values())
