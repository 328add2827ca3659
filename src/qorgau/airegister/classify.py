"""The classification rule set: pure functions over a filing's fields (the `data` of a version).

Every result names the rules that fired, each with a plain-language reason and its legal source, so a
union officer can see why and override with a reason (`service.override`). The rules:

Kazakhstan, Law No. 230-VIII "On Artificial Intelligence", art. 17 (risk: minimal / medium / high;
autonomy: low / medium / high; prohibited functions p.3) and arts. 7, 10, 16, 18-20 (safeguards).
The law has no employment category: the rules read "significant negative consequences for users and
the life of individuals" (high) as covering decisions on a person's job or physical safety, and
"moral harm or material damage" (medium) as covering any processing of workers' personal data.

EU AI Act (Regulation 2024/1689), used as the reference for employment: Art. 5(1)(c) social scoring,
5(1)(f) emotion recognition in the workplace (except medical or safety reasons) and 5(1)(g)
biometric categorisation are prohibited; Annex III point 4(a) recruitment and 4(b) decisions on
terms of work, task allocation on behaviour or traits, monitoring and evaluation are high risk;
Art. 6(1) a safety component of machinery is high risk; Art. 50 systems that talk with people carry
transparency duties ("limited").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qorgau.core.i18n_markers import N_

AREAS = {
    "hiring": N_("Hiring and selection"),
    "scheduling": N_("Shift scheduling"),
    "task_allocation": N_("Task allocation"),
    "monitoring": N_("Monitoring of workers"),
    "performance": N_("Performance evaluation"),
    "discipline": N_("Discipline or dismissal"),
    "safety_monitoring": N_("Safety monitoring"),
    "production_automation": N_("Production automation"),
    "maintenance": N_("Predictive maintenance"),
    "customer_service": N_("Customer service"),
    "other": N_("Other"),
}
AUTONOMY_INPUT = {
    "recommends": N_("It recommends; a person always decides and acts"),
    "acts_human_can_override": N_("It decides or acts; a person can correct or cancel"),
    "acts_no_override": N_("It decides or acts; a person cannot correct or cancel"),
}
RISK_LEVELS = {"minimal": N_("minimal risk"), "medium": N_("medium risk"), "high": N_("high risk")}
AUTONOMY_LEVELS = {"low": N_("low autonomy"), "medium": N_("medium autonomy"), "high": N_("high autonomy")}
EU_CATEGORIES = {"prohibited": N_("prohibited practice"), "high": N_("high risk"),
                 "limited": N_("limited risk (transparency)"), "minimal": N_("minimal risk")}
SAFEGUARDS = {
    "human_oversight": N_("Human oversight by a trained, named person who can stop the system"),
    "explanation": N_("Explanation to affected workers of results that affect their rights"),
    "right_to_refuse": N_("Workers told they may object and refuse to interact with the system"),
    "data_protection": N_("Data protection assessment before use"),
    "bias_testing": N_("Bias testing for discrimination, repeated after changes"),
    "logging": N_("Logs kept at least six months"),
    "inform_representatives": N_("Workers' representatives and affected workers informed before use"),
    "consent": N_("Each worker's free consent, which can be withdrawn"),
    "audit": N_("Independent audit (for the list of trusted high-risk systems)"),
    "risk_management": N_("Risk management updated at least yearly, including foreseeable misuse"),
}

EMPLOYMENT_AREAS = ("hiring", "scheduling", "task_allocation", "monitoring", "performance", "discipline")
JOB_DECISION_AREAS = ("hiring", "performance", "discipline")


@dataclass(frozen=True)
class Rule:
    id: str
    reason: str  # message id, plain language
    source: str  # the legal provision


RULES: dict[str, Rule] = {r.id: r for r in [
    # Kazakhstan: risk
    Rule("KZ-RISK-H1", N_("It takes or shapes decisions on hiring, evaluation, discipline or dismissal without a "
                          "person making the final choice: a malfunction has significant negative consequences for "
                          "workers' lives."), N_("KZ AI Law art. 17 p.1")),
    Rule("KZ-RISK-H2", N_("A malfunction could cause an accident or an emergency (it acts on machinery or safety)."),
         N_("KZ AI Law art. 17 p.1")),
    Rule("KZ-RISK-H3", N_("It has a function the law prohibits."), N_("KZ AI Law art. 17 p.1, p.3")),
    Rule("KZ-RISK-M1", N_("It processes workers' personal or biometric data: a malfunction may cause moral harm or "
                          "material damage."), N_("KZ AI Law art. 17 p.1")),
    Rule("KZ-RISK-M2", N_("It is used in decisions about work (hiring, scheduling, tasks, monitoring, evaluation, "
                          "discipline)."), N_("KZ AI Law art. 17 p.1")),
    Rule("KZ-RISK-L1", N_("No personal data, no decisions about people, no safety function: a malfunction has "
                          "minimal effect on users."), N_("KZ AI Law art. 17 p.1")),
    # Kazakhstan: autonomy
    Rule("KZ-AUTO-L", N_("It only recommends: the final choice and action are always a person's."),
         N_("KZ AI Law art. 17 p.2")),
    Rule("KZ-AUTO-M", N_("It decides or acts on its own, but a person can correct or cancel."),
         N_("KZ AI Law art. 17 p.2")),
    Rule("KZ-AUTO-H", N_("It decides or acts on its own and a person cannot correct or cancel."),
         N_("KZ AI Law art. 17 p.2")),
    # Kazakhstan: prohibited functions
    Rule("KZ-PROH-3", N_("Social scoring: it rates workers over time by social behaviour or personal traits."),
         N_("KZ AI Law art. 17 p.3 item 3")),
    Rule("KZ-PROH-5", N_("Biometric categorisation that infers race, political views or religion."),
         N_("KZ AI Law art. 17 p.3 item 5")),
    Rule("KZ-PROH-6", N_("Emotion recognition without each person's consent."), N_("KZ AI Law art. 17 p.3 item 6")),
    # EU AI Act
    Rule("EU-ART5-1C", N_("Social scoring of persons by behaviour or personal traits."), N_("EU AI Act Art. 5(1)(c)")),
    Rule("EU-ART5-1F", N_("Emotion recognition at the workplace, not for medical or safety reasons (consent does "
                          "not lift this ban)."), N_("EU AI Act Art. 5(1)(f)")),
    Rule("EU-ART5-1G", N_("Biometric categorisation to infer race, political opinions, trade union membership or "
                          "religion."), N_("EU AI Act Art. 5(1)(g)")),
    Rule("EU-ANNEX3-4A", N_("Used for recruitment or selection: filtering applications or evaluating candidates."),
         N_("EU AI Act Annex III 4(a)")),
    Rule("EU-ANNEX3-4B", N_("Used for decisions on terms of work, promotion or dismissal, for allocating tasks on "
                            "individual behaviour or traits, or for monitoring and evaluating workers."),
         N_("EU AI Act Annex III 4(b)")),
    Rule("EU-ART6-1", N_("A safety component of machinery: a malfunction endangers people."),
         N_("EU AI Act Art. 6(1), Annex I")),
    Rule("EU-ART50", N_("It talks with people, who must be told they are dealing with AI."), N_("EU AI Act Art. 50(1)")),
    Rule("EU-MIN", N_("None of the prohibited, high-risk or transparency cases applies."), N_("EU AI Act")),
    # Safeguards
    Rule("SG-OVERSIGHT", N_("High risk or acting on its own: a person must oversee it and be able to stop it."),
         N_("EU AI Act Art. 14, 26(2); KZ AI Law art. 8")),
    Rule("SG-EXPLAIN", N_("Its results affect workers' rights: they may ask for an explanation and the data used."),
         N_("KZ AI Law art. 7 p.2, art. 16")),
    Rule("SG-REFUSE", N_("Workers interact with it or are assessed by it: they may object and refuse."),
         N_("KZ AI Law art. 7 p.2, art. 16")),
    Rule("SG-DATA", N_("It processes personal or biometric data."), N_("KZ AI Law art. 10; personal data law")),
    Rule("SG-BIAS", N_("It assesses or sorts people, so it must be tested for discrimination."),
         N_("KZ AI Law art. 6; EU AI Act Art. 10")),
    Rule("SG-LOGS", N_("High-risk system: its logs must be kept."), N_("EU AI Act Art. 26(6)")),
    Rule("SG-INFORM", N_("High-risk system at the workplace: representatives and workers informed before use."),
         N_("EU AI Act Art. 26(7)")),
    Rule("SG-CONSENT", N_("Emotion recognition is lawful in Kazakhstan only with consent."),
         N_("KZ AI Law art. 17 p.3 item 6")),
    Rule("SG-AUDIT", N_("High-risk system: an audit is needed to be listed as trusted."), N_("KZ AI Law arts. 19-20")),
    Rule("SG-RISK", N_("Medium or high risk: risk management over the whole life cycle, updated yearly."),
         N_("KZ AI Law art. 18")),
]}


@dataclass
class Fired:
    rule: str
    params: dict = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return RULES[self.rule].reason

    @property
    def source(self) -> str:
        return RULES[self.rule].source

    def as_dict(self) -> dict:
        return {"rule": self.rule, "reason": self.reason, "source": self.source}


@dataclass
class Result:
    value: str
    fired: list[Fired]

    def as_dict(self) -> dict:
        return {"value": self.value, "rules": [f.as_dict() for f in self.fired]}


@dataclass
class Classification:
    risk_kz: Result
    autonomy_kz: Result
    eu_category: Result
    prohibited: list[Fired]  # each a prohibited practice (KZ-PROH-*, EU-ART5-*)
    safeguards: dict[str, list[Fired]]  # safeguard id -> the rules requiring it

    def as_dict(self) -> dict:
        return {"risk_kz": self.risk_kz.as_dict(), "autonomy_kz": self.autonomy_kz.as_dict(),
                "eu_category": self.eu_category.as_dict(),
                "prohibited": [f.as_dict() for f in self.prohibited],
                "safeguards": {k: [f.as_dict() for f in v] for k, v in self.safeguards.items()}}


def _areas(data: dict) -> set[str]:
    return set(data.get("areas") or ())


def prohibited(data: dict) -> list[Fired]:
    """Prohibited practices under the Kazakh law and the EU AI Act."""
    fired = []
    if data.get("social_scoring"):
        fired += [Fired("KZ-PROH-3"), Fired("EU-ART5-1C")]
    if data.get("biometric_categorisation"):
        fired += [Fired("KZ-PROH-5"), Fired("EU-ART5-1G")]
    if data.get("emotion_recognition"):
        if not data.get("emotion_consent"):
            fired.append(Fired("KZ-PROH-6"))
        if not data.get("emotion_medical_or_safety"):
            fired.append(Fired("EU-ART5-1F"))
    return fired


def autonomy_kz(data: dict) -> Result:
    level = {"recommends": "low", "acts_human_can_override": "medium", "acts_no_override": "high"}.get(
        data.get("autonomy", "recommends"), "low")
    return Result(level, [Fired({"low": "KZ-AUTO-L", "medium": "KZ-AUTO-M", "high": "KZ-AUTO-H"}[level])])


def risk_kz(data: dict) -> Result:
    areas = _areas(data)
    high = []
    if any(f.rule.startswith("KZ-PROH") for f in prohibited(data)):
        high.append(Fired("KZ-RISK-H3"))
    if areas & set(JOB_DECISION_AREAS) and data.get("autonomy") != "recommends":
        high.append(Fired("KZ-RISK-H1"))
    if data.get("safety_critical"):
        high.append(Fired("KZ-RISK-H2"))
    if high:
        return Result("high", high)
    medium = []
    if data.get("personal_data") or data.get("biometric_data"):
        medium.append(Fired("KZ-RISK-M1"))
    if areas & set(EMPLOYMENT_AREAS):
        medium.append(Fired("KZ-RISK-M2"))
    if medium:
        return Result("medium", medium)
    return Result("minimal", [Fired("KZ-RISK-L1")])


def eu_category(data: dict) -> Result:
    areas = _areas(data)
    banned = [f for f in prohibited(data) if f.rule.startswith("EU-")]
    if banned:
        return Result("prohibited", banned)
    high = []
    if "hiring" in areas:
        high.append(Fired("EU-ANNEX3-4A"))
    if (areas & {"performance", "discipline"}
            or (areas & {"scheduling", "task_allocation"} and data.get("profiling"))
            or (areas & {"monitoring", "safety_monitoring"} and (data.get("personal_data") or data.get("biometric_data")))):
        high.append(Fired("EU-ANNEX3-4B"))
    if data.get("safety_critical") and areas & {"production_automation", "safety_monitoring", "maintenance"}:
        high.append(Fired("EU-ART6-1"))
    if high:
        return Result("high", high)
    if "customer_service" in areas:
        return Result("limited", [Fired("EU-ART50")])
    return Result("minimal", [Fired("EU-MIN")])


def safeguards(data: dict, *, risk: str, autonomy: str, eu: str) -> dict[str, list[Fired]]:
    """Required safeguards, each with the rules that require it (given the possibly overridden levels)."""
    areas = _areas(data)
    need: dict[str, list[Fired]] = {}

    def add(safeguard: str, rule: str) -> None:
        need.setdefault(safeguard, []).append(Fired(rule))

    high = risk == "high" or eu in ("high", "prohibited")
    if high or autonomy != "low":
        add("human_oversight", "SG-OVERSIGHT")
    about_workers = bool(areas & set(EMPLOYMENT_AREAS)) or bool(data.get("personal_data"))
    if about_workers:
        add("explanation", "SG-EXPLAIN")
    if about_workers or "customer_service" in areas:
        add("right_to_refuse", "SG-REFUSE")
    if data.get("personal_data") or data.get("biometric_data"):
        add("data_protection", "SG-DATA")
    if areas & {"hiring", "performance", "discipline"} or data.get("profiling"):
        add("bias_testing", "SG-BIAS")
    if high:
        add("logging", "SG-LOGS")
        add("inform_representatives", "SG-INFORM")
    if data.get("emotion_recognition"):
        add("consent", "SG-CONSENT")
    if risk == "high":
        add("audit", "SG-AUDIT")
    if risk in ("medium", "high"):
        add("risk_management", "SG-RISK")
    return {k: need[k] for k in SAFEGUARDS if k in need}


def classify(data: dict, overrides: dict[str, str] | None = None) -> Classification:
    """The full classification; `overrides` (dimension -> value) replace automatic levels, and
    'flag:<rule>' -> 'dismissed' removes a prohibited-practice flag. Safeguards follow the final levels."""
    overrides = overrides or {}
    risk, autonomy, eu = risk_kz(data), autonomy_kz(data), eu_category(data)
    flags = [f for f in prohibited(data) if overrides.get(f"flag:{f.rule}") != "dismissed"]
    final = {"risk_kz": overrides.get("risk_kz", risk.value), "autonomy_kz": overrides.get("autonomy_kz", autonomy.value),
             "eu_category": overrides.get("eu_category", eu.value)}
    return Classification(
        risk_kz=risk if final["risk_kz"] == risk.value else Result(final["risk_kz"], risk.fired),
        autonomy_kz=autonomy if final["autonomy_kz"] == autonomy.value else Result(final["autonomy_kz"], autonomy.fired),
        eu_category=eu if final["eu_category"] == eu.value else Result(final["eu_category"], eu.fired),
        prohibited=flags,
        safeguards=safeguards(data, risk=final["risk_kz"], autonomy=final["autonomy_kz"], eu=final["eu_category"]))


OVERRIDABLE = {"risk_kz": RISK_LEVELS, "autonomy_kz": AUTONOMY_LEVELS, "eu_category": EU_CATEGORIES}
