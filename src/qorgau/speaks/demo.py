"""Demo reports in Kazakh, Russian and English drawn from the labelled set of Worker Speaks (written for the
project, not real reports: see data/PROVENANCE.md), every category in every language, with replies, statuses
and escalations made through the service as an officer would."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from qorgau.core.db import utcnow
from qorgau.core.models import User
from qorgau.registry import access
from qorgau.speaks import nlp, service
from qorgau.speaks.models import ReportStatus
from qorgau.speaks.schemas import ReportIn

LABELLED = Path(__file__).resolve().parent / "data" / "labelled_reports.jsonl"
REPLIES = {
    "ru": ["Спасибо, сообщение получено. Передали в комитет по охране труда, проверим на этой неделе.",
           "Технический инспектор профсоюза осмотрел участок, нарушение подтвердилось, работодателю выдано представление."],
    "kk": ["Рақмет, хабарлама алынды. Еңбекті қорғау комитетіне жібердік, осы аптада тексереміз.",
           "Кәсіподақтың техникалық инспекторы учаскені тексерді, бұзушылық расталды."],
    "en": ["Thank you, we received your report and passed it to the safety committee.",
           "The union technical inspector checked the site and confirmed the problem."],
}



def labelled_reports() -> list[dict]:
    """The labelled set shipped with Worker Speaks (14 categories, Kazakh, Russian and English)."""
    with LABELLED.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def draw(examples: list[dict], count: int, rng: random.Random) -> list[dict]:
    """`count` reports: first one of every (category, language) pair the set holds, then the rest at random
    in the set's own mix, so every category shows in the inbox and the statistics in all three languages."""
    pairs: dict[tuple[str, str], list[dict]] = {}
    for example in examples:
        pairs.setdefault((example["category"], example["lang"]), []).append(example)
    chosen = [rng.choice(group) for _key, group in sorted(pairs.items())]
    rng.shuffle(chosen)
    chosen += [rng.choice(examples) for _ in range(max(0, count - len(chosen)))]
    return chosen[:max(count, len(pairs))]


def _handler(officer: User, federation: User, reach: list[int] | None, report) -> User:
    """The demo officer answers the reports routed to the unions it works in; the federation's officer the rest."""
    return officer if reach is None or report.union_org_id in reach else federation


def generate(session: Session, ctx) -> None:
    rng = ctx.rng("speaks")
    officer, federation = ctx.users["officer"], ctx.users["federation"]
    reach = access.reachable_union_ids(session, officer)
    today = utcnow().date()
    heavy = [e for e in ctx.enterprises if e.sector_code in ("B", "C", "D", "F", "H")] or ctx.enterprises
    drawn = draw(labelled_reports(), max(60, len(ctx.enterprises) // 5), rng)
    # The set's texts repeat at national size: each distinct one is triaged and redacted once, in batches.
    texts = list(dict.fromkeys(example["text"] for example in drawn))
    assessed: dict[str, tuple] = {}
    for start in range(0, len(texts), 64):
        part = texts[start:start + 64]
        assessed.update(zip(part, zip(nlp.triage_many(part), nlp.redact_many(part), strict=True), strict=True))
    for number, example in enumerate(drawn):
        enterprise = ctx.enterprises[0] if number % 4 == 0 else rng.choice(heavy)
        received = today - timedelta(days=int(rng.expovariate(1 / 60)))
        # Most reporters leave the category to the triage; some choose it themselves.
        chosen = example["category"] if rng.random() < 0.3 else "not_sure"
        filed = service.submit(session=session, today=received, report_in=ReportIn(
            kind="suggestion" if example["urgency"] == "low" and rng.random() < 0.5 else "hazard",
            enterprise_id=enterprise.id if rng.random() < 0.85 else None, category=chosen,
            region_kato=enterprise.region_kato, sector_code=enterprise.sector_code,
            description=example["text"], language=example["lang"]), assessed=assessed[example["text"]])
        report = filed.report
        age = (today - received).days
        if age > 3 and rng.random() < 0.8:
            handler = _handler(officer, federation, reach, report)
            session.info["actor"] = f"user:{handler.username}"
            service.reply(session=session, actor=handler, report_id=report.id,
                          body=rng.choice(REPLIES[report.language]), today=received + timedelta(days=rng.randint(1, 6)))
            if age > 30 and rng.random() < 0.6:
                service.set_status(session=session, actor=handler, report_id=report.id,
                                   status=rng.choice([ReportStatus.IN_PROGRESS, ReportStatus.RESOLVED,
                                                      ReportStatus.CLOSED]),
                                   today=received + timedelta(days=rng.randint(7, min(age, 80))))
            session.info["actor"] = "system:demo"
    service.escalate_overdue(session=session, today=today)
    session.flush()
