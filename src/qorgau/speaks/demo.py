"""Demo reports in Kazakh, Russian and English, drawn from the labelled triage set (written for the
project, not real reports), with replies, escalations and a few converted to violations."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from qorgau.core.db import utcnow
from qorgau.core.models import User
from qorgau.speaks import service
from qorgau.speaks.schemas import ReportIn

LABELLED = Path(__file__).resolve().parent / "data" / "triage_labelled.jsonl"
REPLIES = {
    "ru": ["Спасибо, сообщение получено. Передали в комитет по охране труда, проверим на этой неделе.",
           "Технический инспектор профсоюза осмотрел участок, нарушение подтвердилось, работодателю выдано представление."],
    "kk": ["Рақмет, хабарлама алынды. Еңбекті қорғау комитетіне жібердік, осы аптада тексереміз.",
           "Кәсіподақтың техникалық инспекторы учаскені тексерді, бұзушылық расталды."],
    "en": ["Thank you, we received your report and passed it to the safety committee.",
           "The union technical inspector checked the site and confirmed the problem."],
}


# Written for the demo (invented, not real reports).
DEMO_REPORTS = [
    ("ru", "В цехе электролиза снова сильно пахнет газом, вытяжка не работает третий день. Мастер говорит работать дальше."),
    ("ru", "Респираторы не выдают уже месяц, работаем в пыли на обжиге без защиты."),
    ("ru", "На конвейере №2 снято защитное ограждение, лента рвётся, рядом ходят люди."),
    ("ru", "Прямо сейчас утечка газа у печи, люди задыхаются, срочно нужна помощь!"),
    ("ru", "Бригадир Жумабеков заставляет работать по две смены подряд без отдыха."),
    ("ru", "Погрузчик на складе ездит без тормозов, водитель жаловался, но машину не сняли с линии."),
    ("ru", "Предлагаю поставить кулер с питьевой водой в литейном цехе, летом там очень жарко."),
    ("ru", "Зарплату за прошлый месяц задерживают, премию сняли без объяснений."),
    ("ru", "В щитке на участке дробления оголённые провода, искрит при включении."),
    ("ru", "Монтажники работают на высоте без страховочных поясов, леса шатаются."),
    ("kk", "Электролиз цехында газдың иісі қатты, желдеткіш істемейді."),
    ("kk", "Бір айдан бері респиратор бермейді, шаңның ішінде жұмыс істейміз."),
    ("kk", "Газ шығып жатыр қазір, адамдар тұншығып жатыр, тез көмек керек!"),
    ("kk", "Шебер бізге айқайлайды, балағаттайды, жұмыстан шығарамын деп қорқытады."),
    ("kk", "Жалақы екі ай бойы кешіктіріліп жатыр."),
    ("kk", "Ұсыныс: асханада таза ауыз су болса жақсы болар еді."),
    ("kk", "Биіктікте сақтандыру белдігінсіз жұмыс істейміз, құлап кету қаупі бар."),
    ("en", "The forklift in warehouse 3 has no working brakes and the driver was told to keep going."),
    ("en", "Noise in the crushing shop is unbearable and nobody gave us ear protection."),
    ("en", "Our shift supervisor shouts at women workers and threatens to fire them."),
    ("en", "I suggest adding a second emergency exit sign near the roasting furnace."),
    ("en", "Right now there is a gas leak near furnace 2, two people feel unconscious, urgent!"),
]


def _texts() -> list[dict]:
    """The labelled set when it is shipped, else the demo reports above."""
    if LABELLED.exists():
        with LABELLED.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    return [{"lang": lang, "text": text} for lang, text in DEMO_REPORTS]


def generate(session: Session, ctx) -> None:
    rng = ctx.rng("speaks")
    examples = _texts()
    if not examples:
        return
    officer = ctx.users["officer"]
    today = utcnow().date()
    heavy = [e for e in ctx.enterprises if e.sector_code in ("B", "C", "D", "F", "H")] or ctx.enterprises
    count = max(40, len(ctx.enterprises) // 5)
    for number in range(count):
        example = rng.choice(examples)
        enterprise = ctx.enterprises[0] if number % 4 == 0 else rng.choice(heavy)
        received = today - timedelta(days=int(rng.expovariate(1 / 60)))
        filed = service.submit(session=session, today=received, report_in=ReportIn(
            kind="suggestion" if example.get("category") == "other" and rng.random() < 0.5 else "hazard",
            enterprise_id=enterprise.id if rng.random() < 0.85 else None,
            region_kato=enterprise.region_kato, sector_code=enterprise.sector_code,
            description=example["text"], language=example.get("lang", "ru")))
        report = filed.report
        age = (today - received).days
        if age > 3 and rng.random() < 0.8:
            session.info["actor"] = f"user:{officer.username}"
            _staff_reply(session, officer, report, rng.choice(REPLIES.get(report.language, REPLIES["ru"])),
                         received + timedelta(days=rng.randint(1, 6)))
            if age > 30 and rng.random() < 0.6:
                report.status = rng.choice(["in_progress", "resolved", "closed"])
                if report.status != "in_progress":
                    report.resolved_on = received + timedelta(days=rng.randint(7, min(age, 80)))
            session.info["actor"] = "system:demo"
    service.escalate_overdue(session=session, today=today)
    session.flush()


def _staff_reply(session: Session, officer: User, report, body: str, on: date) -> None:
    from qorgau.core import crypto
    from qorgau.speaks.models import Message

    session.add(Message(report_id=report.id, from_reporter=False, author_user_id=officer.id, sent_on=on,
                        body_encrypted=crypto.encrypt_text(body)))
    report.status, report.acknowledged_on = "acknowledged", on



