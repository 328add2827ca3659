"""The Worker Speaks demo draws its reports from the labelled set: every category in every language."""

from __future__ import annotations

import random

from sqlalchemy import select

from qorgau.registry.hazards import CATEGORIES
from qorgau.speaks import demo


def test_the_draw_holds_every_category_in_kazakh_russian_and_english():
    examples = demo.labelled_reports()
    drawn = demo.draw(examples, 60, random.Random(3))
    assert len(drawn) == 60
    assert {(e["category"], e["lang"]) for e in drawn} == {(c, lang) for c in CATEGORIES for lang in ("kk", "ru", "en")}
    assert demo.draw(examples, 60, random.Random(3)) == drawn  # deterministic
    assert len(demo.draw(examples, 10, random.Random(3))) == 42  # never fewer than one of each pair


def test_the_demo_inbox_holds_the_labelled_reports_with_replies(session):
    from qorgau.core.models import User
    from qorgau.speaks import service
    from qorgau.speaks.models import Message, Report

    admin = session.execute(select(User).where(User.username == "admin")).scalar_one()
    reports = session.execute(select(Report)).scalars().all()
    texts = {e["text"] for e in demo.labelled_reports()}
    assert len(reports) >= 42
    assert {r.language for r in reports} == {"kk", "ru", "en"}
    assert len({r.category for r in reports}) >= 12  # the triage reads most of the 14 the set holds
    plain = [r for r in reports if not r.pii_types]  # the others are shown redacted
    assert len(plain) > len(reports) / 2
    assert all(service.text_for(session=session, actor=admin, report=r) in texts for r in plain)
    replied = session.execute(select(Message.report_id).where(Message.from_reporter.is_(False))).scalars().all()
    assert replied and {r.status for r in reports} >= {"new", "acknowledged"}
    stats = service.statistics(session=session, actor=session.execute(
        select(User).where(User.username == "state")).scalar_one(), by=["category"])
    assert any(row["suppressed"] for row in stats) or all(row["reports"] >= 5 for row in stats)
