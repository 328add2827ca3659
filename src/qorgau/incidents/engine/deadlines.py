"""The Labour Code clock of an accident investigation (art. 187-190): categories, due dates and overdue flags.

Steps and their terms (shared/reference/kz-regulatory.md sections 1.3-1.6):
- notify the labour inspectorate, workers' representatives and the other bodies "immediately, within one
  day": 24 hours from the accident (or from when the employer learned of it) (art. 187 p.2);
- notify the insurer within 3 working days (art. 187 p.2-1);
- form the commission within 24 hours of receiving the medical conclusion on severity (art. 188);
- investigate within 10 working days of the commission's creation, extendable by protocol twice by 10
  working days (art. 189 p.1); a late-reported accident is investigated within 10 working days of
  registering the victim's application (art. 189 p.2);
- a dissenting opinion within 2 working days (art. 190 p.2);
- send the act to the Ministry electronically and issue copies, each within 3 working days after the
  investigation (art. 190 p.6, p.9);
- special investigations: materials to the police within 7 working days (art. 190 p.10).
Working-day terms start the day after the event and end at the end of the last working day.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from qorgau.incidents.engine.calendar_kz import Calendar
from qorgau.incidents.labels import CATEGORIES, COMMISSION_LEVELS, DEADLINE_STATUS, DEADLINE_STEPS  # noqa: F401
from qorgau.incidents.states import LATE, StepStatus

MAX_EXTENSIONS = 2
INVESTIGATION_DAYS = 10


class DeadlineError(ValueError):
    """Dates that cannot describe an investigation; names the field."""


@dataclass(frozen=True)
class Classification:
    """Labour Code category of an accident and who investigates it."""

    categories: tuple[str, ...]  # any of group, serious, fatal; ("light",) otherwise
    special_investigation: bool
    commission: str  # a key of COMMISSION_LEVELS

    @property
    def category(self) -> str:
        """The headline category: fatal, then group, then serious, then light."""
        for name in ("fatal", "group", "serious"):
            if name in self.categories:
                return name
        return "light"


def classify(victims: int, fatalities: int = 0, serious: int = 0, acute_poisoning: bool = False) -> Classification:
    """Categories (art. 188): group = 2+ workers at once; serious or fatal outcome; commission level by deaths."""
    if victims < 1:
        raise DeadlineError("victims: an accident has at least one victim")
    if fatalities < 0 or serious < 0 or fatalities + serious > victims:
        raise DeadlineError(f"fatalities ({fatalities}) and serious injuries ({serious}) cannot exceed victims ({victims})")
    categories = tuple(name for name, flag in (("group", victims >= 2), ("serious", serious > 0),
                                                ("fatal", fatalities > 0)) if flag) or ("light",)
    special = categories != ("light",) or acute_poisoning
    if fatalities > 5:
        commission = "government"
    elif fatalities >= 3:
        commission = "ministry"
    elif fatalities == 2 and victims >= 2:
        commission = "chief_regional_inspector"
    elif special:
        commission = "territorial_inspector"
    else:
        commission = "employer"
    return Classification(categories, special, commission)


@dataclass
class InvestigationDates:
    """What has happened so far; None for steps not done yet."""

    occurred_at: datetime
    learned_at: datetime | None = None  # when the employer learned of it, if later
    notified_at: datetime | None = None
    insurer_notified_on: date | None = None
    severity_conclusion_at: datetime | None = None
    commission_formed_at: datetime | None = None
    application_registered_on: date | None = None  # victim's application for a late-reported accident
    extensions: int = 0
    completed_on: date | None = None
    dissent_filed_on: date | None = None
    act_sent_on: date | None = None
    copies_issued_on: date | None = None
    police_referral_on: date | None = None


@dataclass
class Step:
    """One step of the clock: when it is due, when it was done, and its status."""

    code: str
    due: datetime | date | None
    done: datetime | date | None
    status: StepStatus
    basis: str

    @property
    def label(self) -> str:
        return DEADLINE_STEPS[self.code]

    def as_dict(self) -> dict:
        out = asdict(self)
        for key in ("due", "done"):
            if out[key] is not None:
                out[key] = out[key].isoformat()
        return out


@dataclass
class Clock:
    """All steps of one investigation, and whether anything is overdue."""

    classification: Classification
    steps: list[Step] = field(default_factory=list)
    approximate_years: list[int] = field(default_factory=list)

    @property
    def overdue(self) -> list[str]:
        return [s.code for s in self.steps if s.status in LATE]


def step_status(due, done, now) -> StepStatus:
    """A step's status from its due date, the day it was done (None: not yet) and now."""
    if due is None:
        return StepStatus.DONE if done is not None else StepStatus.WAITING
    if done is not None:
        return StepStatus.DONE if done <= due else StepStatus.DONE_LATE
    return StepStatus.OVERDUE if now > due else StepStatus.PENDING


def _working(calendar: Calendar, start: date | None, days: int) -> date | None:
    return None if start is None else calendar.add_working_days(start, days)


def investigation_clock(classification: Classification, dates: InvestigationDates, now: datetime,
                        calendar: Calendar | None = None) -> Clock:
    """Due dates and statuses of every step, as of `now` (a datetime: the first steps run in hours)."""
    calendar = calendar or Calendar()
    if not 0 <= dates.extensions <= MAX_EXTENSIONS:
        raise DeadlineError(f"extensions: the investigation can be extended at most {MAX_EXTENSIONS} times (art. 189 p.1)")
    for name in ("learned_at", "notified_at", "severity_conclusion_at", "commission_formed_at"):
        value = getattr(dates, name)
        if value is not None and value < dates.occurred_at:
            raise DeadlineError(f"{name}: cannot be before the accident ({dates.occurred_at.isoformat()})")
    today = now.date()
    start = max(dates.occurred_at, dates.learned_at or dates.occurred_at)
    steps = []

    def add(code: str, due, done, basis: str) -> None:
        compare_now = now if isinstance(due, datetime) else today
        steps.append(Step(code, due, done, step_status(due, done, compare_now), basis))

    add("notify_authorities", start + timedelta(hours=24), dates.notified_at, "art. 187 p.2")
    add("notify_insurer", _working(calendar, start.date(), 3), dates.insurer_notified_on, "art. 187 p.2-1")
    severity = dates.severity_conclusion_at
    add("form_commission", None if severity is None else severity + timedelta(hours=24),
        dates.commission_formed_at, "art. 188")
    began = dates.application_registered_on or (dates.commission_formed_at.date() if dates.commission_formed_at else None)
    term = INVESTIGATION_DAYS * (1 + dates.extensions)
    add("investigation", _working(calendar, began, term), dates.completed_on,
        "art. 189 p.2" if dates.application_registered_on else "art. 189 p.1")
    if dates.dissent_filed_on is not None:
        add("dissent", _working(calendar, dates.completed_on, 2), dates.dissent_filed_on, "art. 190 p.2")
    add("send_act", _working(calendar, dates.completed_on, 3), dates.act_sent_on, "art. 190 p.6")
    add("issue_copies", _working(calendar, dates.completed_on, 3), dates.copies_issued_on, "art. 190 p.9")
    if classification.special_investigation:
        add("police_referral", _working(calendar, dates.completed_on, 7), dates.police_referral_on, "art. 190 p.10")
    return Clock(classification, steps, sorted(calendar.approximate_years))
