"""Demo Safety Index: the shipped methodology approved, then version 1.1 (coverage counted against the indicators
the platform has data for) and version 1.2 (real sources for training, social audits, equipment and collective
agreement clauses) each proposed by the administrator and approved by the federation's officer, the last two full
years computed and published,
the current year computed as an unpublished run,
and the demo employer's replies (one published with evidence, one rejected, one awaiting moderation).

Scores come from whatever the other packages' demo data hold; where a source has no data yet the
indicator is missing and the coverage shows it (enterprises below the minimum coverage are listed as
insufficient data, not ranked)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from qorgau.core.db import utcnow
from qorgau.index import service

V1_1 = Path(service.__file__).with_name("methodology") / "v1_1.yaml"
V1_2 = Path(service.__file__).with_name("methodology") / "v1_2.yaml"
CHANGES = (
    (V1_1, "Показатели, по которым на платформе нет данных ни по одному предприятию, не должны снижать охват "
           "каждого предприятия."),
    (V1_2, "Обучение, социальные аудиты, оборудование и положения коллективных договоров берутся из "
           "соответствующих разделов платформы, а не из заглушки."),
)

REPLIES = {
    "published": ("Производственный совет по безопасности и охране труда комбината работает с 2019 года и "
                  "собирается ежеквартально. Все нарушения, выявленные техническим инспектором в цехе "
                  "электролиза, устранены; фотография восстановленного аварийного выхода приложена."),
    "rejected": "Не согласны с оценкой.",
    "pending": ("Комбинат завершил замену вентиляции в обжиговом цехе в октябре. Просим учесть это при "
                "следующем расчёте индекса: протоколы замеров воздуха рабочей зоны приложены."),
}


def _exit_sign_photo() -> bytes:
    """A small synthetic picture of a lit emergency-exit sign over an open door (no real photo is shipped)."""
    image = Image.new("RGB", (480, 320), (214, 219, 224))
    draw = ImageDraw.Draw(image)
    draw.rectangle((170, 110, 310, 320), fill=(90, 96, 104))
    draw.rectangle((180, 120, 300, 320), fill=(240, 240, 236))
    draw.rectangle((175, 30, 305, 90), fill=(0, 140, 70))
    draw.ellipse((200, 42, 214, 56), fill=(255, 255, 255))
    draw.line((207, 56, 200, 76), fill=(255, 255, 255), width=5)
    draw.line((203, 64, 218, 60), fill=(255, 255, 255), width=4)
    draw.line((200, 76, 212, 86), fill=(255, 255, 255), width=4)
    draw.rectangle((232, 50, 290, 72), outline=(255, 255, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# The index is computed from every other package's demo data (training, audits, equipment, agreements ...).
READS_OTHER_DEMOS = True


def generate(session: Session, ctx) -> None:
    officer, admin, employer = ctx.users["officer"], ctx.users["admin"], ctx.users["employer"]
    federation = ctx.users["federation"]  # publishing and approving the methodology are national acts
    this_year = utcnow().year
    service.ensure_methodology(session=session)
    # The federation's methodology changes 1.0 -> 1.1 -> 1.2, each in its two steps (proposed by one, approved by
    # another, both of national scope).
    for path, note in CHANGES:
        session.info["actor"] = f"user:{admin.username}"
        proposal = service.propose_methodology(session=session, actor=admin,
                                               yaml_text=path.read_text(encoding="utf-8"), note=note)
        session.info["actor"] = f"user:{federation.username}"
        service.review_methodology(session=session, actor=federation, methodology_id=proposal.id, approve=True,
                                   note="Согласовано методической группой федерации.")
    runs = {}
    for period in (this_year - 2, this_year - 1, this_year):
        session.info["actor"] = f"user:{admin.username}"
        runs[period] = service.run_period(session=session, actor=admin, period=period)
    for period in (this_year - 2, this_year - 1):
        session.info["actor"] = f"user:{federation.username}"
        service.publish(session=session, actor=federation, run_id=runs[period].id,
                        statement="Индекс рассчитан по данным платформы на конец года.")
    smelter = ctx.enterprises[0]
    last = this_year - 1
    session.info["actor"] = f"user:{employer.username}"
    published = service.submit_reply(session=session, actor=employer, enterprise_id=smelter.id, period=last,
                                      body=REPLIES["published"], files=[("exit.png", _exit_sign_photo())])
    rejected = service.submit_reply(session=session, actor=employer, enterprise_id=smelter.id, period=last,
                                    body=REPLIES["rejected"])
    service.submit_reply(session=session, actor=employer, enterprise_id=smelter.id, period=this_year,
                         body=REPLIES["pending"])
    session.info["actor"] = f"user:{officer.username}"
    service.moderate_reply(session=session, actor=officer, reply_id=published.id, publish=True,
                           note="Сведения подтверждены техническим инспектором профсоюза.")
    service.moderate_reply(session=session, actor=officer, reply_id=rejected.id, publish=False,
                           note="Ответ должен объяснять, с какими данными вы не согласны, и содержать подтверждение.")
    session.info["actor"] = "system:demo"
    session.flush()
