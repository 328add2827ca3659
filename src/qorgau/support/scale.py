"""The union's needs scale (levels A–E): six criteria, each scored from 0 (no need) to 1 (the greatest need),
weighted, summed, and cut into five levels. Pure functions, no database.

The scale mirrors the idea of the state's Digital Family Map (five well-being levels A–E over several
domains: Social Code art. 24; Methodology approved by order No. 267 of 29.06.2023). The Map's own
indicators and thresholds are not public, so this is the union's own, published scale: it does not compute,
and must not be taken for, the official level.

A criterion with no answer is "not assessed": it is left out and the weights of the others are scaled up
so they still sum to one (missing is never read as "no need"). At least MIN_ASSESSED criteria, employment
among them, are needed for a level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qorgau.core.i18n_markers import N_

METHOD = "2026.1"
LEVELS = ("A", "B", "C", "D", "E")
# upper bounds of the weighted need for levels A..D; E is everything from 0.80 up
CUTS = (0.20, 0.40, 0.60, 0.80)
MIN_ASSESSED = 3
LEVEL_LABELS = {"A": N_("A — prosperous"), "B": N_("B — satisfactory"), "C": N_("C — unsatisfactory"),
                "D": N_("D — crisis"), "E": N_("E — emergency")}
LEVEL_MEANING = {
    "A": N_("No need of support beyond information."),
    "B": N_("Some need: advice and the services the worker asks for."),
    "C": N_("Clear need: a plan of services with deadlines."),
    "D": N_("Crisis: a plan within a week, material aid considered, follow-ups every two weeks."),
    "E": N_("Emergency: act at once; material aid and the case worker's contact within two days."),
}
SENSITIVE = ("income", "health")  # encrypted, read only with a reason


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    weight: float
    rule: str  # how the score is read, in words


CRITERIA = (
    Criterion("income", N_("Income against the subsistence minimum"), 0.30,
              N_("Monthly household income per person divided by the subsistence minimum: 2.5 or more scores 0; "
                 "1.5–2.5 scores 0.25; 1–1.5 scores 0.5; 0.6–1 scores 0.75; below 0.6 scores 1.")),
    Criterion("dependants", N_("Dependants"), 0.15,
              N_("Children, elderly or disabled relatives the worker supports: none 0; one 0.25; two 0.5; "
                 "three 0.75; four or more 1.")),
    Criterion("health", N_("Health"), 0.20,
              N_("No limitation 0; temporary incapacity 0.5; chronic illness or disability group 3: 0.5; "
                 "disability group 2: 0.75; disability group 1 or a severe injury: 1.")),
    Criterion("housing", N_("Housing"), 0.10,
              N_("Own housing 0; rented 0.4; shared or temporary 0.7; without housing 1.")),
    Criterion("debt", N_("Debt"), 0.10,
              N_("Monthly loan payments as a share of income: none 0; under 0.3 scores 0.25; 0.3–0.5 scores 0.5; "
                 "over 0.5 scores 0.75; payments overdue 1.")),
    Criterion("employment", N_("Employment"), 0.15,
              N_("Employed 0; dismissal or automation of the job announced 0.5; without work under six months "
                 "0.75; without work six months or longer 1.")),
)
WEIGHTS = {c.key: c.weight for c in CRITERIA}

HEALTH = {"none": 0.0, "temporary_incapacity": 0.5, "chronic": 0.5, "disability_3": 0.5, "disability_2": 0.75,
          "disability_1": 1.0, "severe_injury": 1.0}
HEALTH_LABELS = {"none": N_("no limitation"), "temporary_incapacity": N_("temporary incapacity for work"),
                 "chronic": N_("chronic illness"), "disability_3": N_("disability, group 3"),
                 "disability_2": N_("disability, group 2"), "disability_1": N_("disability, group 1"),
                 "severe_injury": N_("severe injury")}
HOUSING = {"own": 0.0, "rented": 0.4, "shared": 0.7, "none": 1.0}
HOUSING_LABELS = {"own": N_("own housing"), "rented": N_("rented"), "shared": N_("shared or temporary"),
                  "none": N_("without housing")}
EMPLOYMENT = {"employed": 0.0, "at_risk": 0.5, "unemployed_short": 0.75, "unemployed_long": 1.0}
EMPLOYMENT_LABELS = {"employed": N_("employed"), "at_risk": N_("dismissal or automation announced"),
                     "unemployed_short": N_("without work, under six months"),
                     "unemployed_long": N_("without work, six months or longer")}


class ScaleError(ValueError):
    """A bad answer: `field` names the input, `message` is a message id."""

    def __init__(self, message: str, field: str, params: dict | None = None):
        super().__init__(message)
        self.message, self.field, self.params = message, field, params or {}


@dataclass
class Answers:
    """What the worker told the case worker. None: not asked or not answered."""

    household_income: int | None = None  # KZT a month, the whole household
    household_size: int | None = None
    dependants: int | None = None
    health: str | None = None
    housing: str | None = None
    debt_payment: int | None = None  # KZT a month
    debt_overdue: bool | None = None
    employment: str | None = None


@dataclass
class Result:
    level: str
    points: float
    scores: dict[str, float]  # assessed criteria only
    weights_used: dict[str, float]  # renormalised
    not_assessed: list[str] = field(default_factory=list)

    def contributions(self) -> dict[str, float]:
        return {k: round(self.scores[k] * self.weights_used[k], 4) for k in self.scores}


def income_score(per_person: float, minimum: float) -> float:
    ratio = per_person / minimum
    if ratio >= 2.5:
        return 0.0
    if ratio >= 1.5:
        return 0.25
    if ratio >= 1.0:
        return 0.5
    if ratio >= 0.6:
        return 0.75
    return 1.0


def dependants_score(n: int) -> float:
    return min(n, 4) / 4


def debt_score(payment: int, income: int | None, overdue: bool) -> float | None:
    if overdue:
        return 1.0
    if payment == 0:
        return 0.0
    if income is None:
        return None  # the share cannot be read without the income
    if income == 0:
        return 0.75  # payments on no income: more than half of it
    share = payment / income
    return 0.25 if share < 0.3 else 0.5 if share <= 0.5 else 0.75


def level_of(points: float) -> str:
    for level, cut in zip(LEVELS, CUTS, strict=False):
        if points < cut:
            return level
    return "E"


def _check(answers: Answers) -> None:
    for name, top in (("household_income", 100_000_000), ("household_size", 30), ("dependants", 30),
                      ("debt_payment", 100_000_000)):
        value = getattr(answers, name)
        if value is not None and not 0 <= value <= top:
            raise ScaleError(N_("%(field)s must be between 0 and %(top)s."), name, {"field": name, "top": top})
    if answers.household_size == 0:
        raise ScaleError(N_("A household has at least one person."), "household_size")
    for name, allowed in (("health", HEALTH), ("housing", HOUSING), ("employment", EMPLOYMENT)):
        value = getattr(answers, name)
        if value is not None and value not in allowed:
            raise ScaleError(N_("Choose one of the listed answers."), name)


def assess(answers: Answers, *, subsistence_minimum: int | None) -> Result:
    """The level for these answers. The income criterion needs the subsistence minimum: without it, it is
    not assessed (and the result says so)."""
    _check(answers)
    scores: dict[str, float] = {}
    if answers.household_income is not None and answers.household_size and subsistence_minimum:
        scores["income"] = income_score(answers.household_income / answers.household_size, subsistence_minimum)
    if answers.dependants is not None:
        scores["dependants"] = dependants_score(answers.dependants)
    if answers.health is not None:
        scores["health"] = HEALTH[answers.health]
    if answers.housing is not None:
        scores["housing"] = HOUSING[answers.housing]
    if answers.debt_payment is not None or answers.debt_overdue:
        debt = debt_score(answers.debt_payment or 0, answers.household_income, bool(answers.debt_overdue))
        if debt is not None:
            scores["debt"] = debt
    if answers.employment is not None:
        scores["employment"] = EMPLOYMENT[answers.employment]
    if "employment" not in scores:
        raise ScaleError(N_("Employment must be assessed."), "employment")
    if len(scores) < MIN_ASSESSED:
        raise ScaleError(N_("At least %(n)s criteria must be answered for a level."), "household_income",
                         {"n": MIN_ASSESSED})
    total_weight = sum(WEIGHTS[k] for k in scores)
    weights = {k: WEIGHTS[k] / total_weight for k in scores}
    points = round(sum(scores[k] * weights[k] for k in scores), 4)
    return Result(level=level_of(points), points=points, scores=scores, weights_used=weights,
                  not_assessed=[c.key for c in CRITERIA if c.key not in scores])


def better(new: str | None, old: str | None) -> bool:
    """True when `new` is a lower (better) level than `old`."""
    return new is not None and old is not None and LEVELS.index(new) < LEVELS.index(old)
