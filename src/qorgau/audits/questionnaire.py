"""The questionnaire as data: parsing and checking a version's YAML, and reading its points in a language."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from qorgau.core.i18n import LOCALES

DEFAULT = Path(__file__).with_name("questionnaire") / "v1.yaml"
COMPLIANCE_VALUES = ("yes", "no", "na")
MATURITY_VALUES = ("0", "1", "2", "3", "4")
INTERVIEW_VALUES = ("yes", "no", "skip")


class QuestionnaireError(ValueError):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{where}: {what}" for where, what in problems))
        self.problems = problems


@dataclass(frozen=True)
class Point:
    id: str
    area: str
    kind: str  # compliance | maturity
    text: dict[str, str]
    code: str  # the Labour Code reference, e.g. "ТК ст. 77"
    ilo: tuple[str, ...]
    critical: bool = False

    def values(self) -> tuple[str, ...]:
        return MATURITY_VALUES if self.kind == "maturity" else COMPLIANCE_VALUES


@dataclass(frozen=True)
class InterviewQuestion:
    id: str
    text: dict[str, str]
    adverse: bool = False  # "yes" is the bad answer


@dataclass(frozen=True)
class Questionnaire:
    version: str
    title: dict[str, str]
    sources: dict[str, str]
    areas: dict[str, dict[str, str]]  # id -> label per language, in order
    points: tuple[Point, ...]
    levels: dict[str, dict[str, str]]  # "0".."4" -> label per language
    interview: tuple[InterviewQuestion, ...] = field(default=())

    def point(self, point_id: str) -> Point | None:
        return next((p for p in self.points if p.id == point_id), None)

    def in_area(self, area: str) -> list[Point]:
        return [p for p in self.points if p.area == area]


def _texts(raw, where: str, problems: list) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.append((where, "needs kk, ru and en wording"))
        return {}
    out = {}
    for language in LOCALES:
        value = raw.get(language)
        if not isinstance(value, str) or not value.strip():
            problems.append((where, f"the {language} wording is missing"))
        else:
            out[language] = value.strip()
    return out


def parse(text: str) -> Questionnaire:
    """A questionnaire from its YAML, or QuestionnaireError listing every problem with where it is."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise QuestionnaireError([("yaml", str(error).splitlines()[0][:200])]) from None
    if not isinstance(data, dict):
        raise QuestionnaireError([("yaml", "the file is not a mapping")])
    problems: list[tuple[str, str]] = []
    version = str(data.get("version") or "").strip()
    if not version or len(version) > 40:
        problems.append(("version", "a version name of 1 to 40 characters is required"))
    title = _texts(data.get("title"), "title", problems)
    sources = _texts(data.get("sources"), "sources", problems)
    areas: dict[str, dict[str, str]] = {}
    for number, area in enumerate(data.get("areas") or []):
        if not isinstance(area, dict) or not area.get("id"):
            problems.append((f"areas[{number}]", "needs an id"))
            continue
        areas[str(area["id"])] = _texts(area.get("label"), f"areas.{area['id']}", problems)
    if not areas:
        problems.append(("areas", "at least one area is required"))
    points: list[Point] = []
    seen: set[str] = set()
    for number, raw in enumerate(data.get("points") or []):
        where = f"points[{number}]"
        if not isinstance(raw, dict) or not raw.get("id"):
            problems.append((where, "needs an id"))
            continue
        point_id = str(raw["id"])
        where = f"points.{point_id}"
        if point_id in seen:
            problems.append((where, "the id is used twice"))
        seen.add(point_id)
        if raw.get("area") not in areas:
            problems.append((where, "the area is not one of the areas"))
        kind = raw.get("kind", "compliance")
        if kind not in ("compliance", "maturity"):
            problems.append((where, "kind is compliance or maturity"))
        ref = raw.get("ref") or {}
        code = str(ref.get("code") or "").strip()
        if not code:
            problems.append((where, "the legal reference (ref.code) is missing"))
        points.append(Point(id=point_id, area=str(raw.get("area")), kind=kind,
                            text=_texts(raw.get("text"), where, problems), code=code,
                            ilo=tuple(str(c) for c in ref.get("ilo") or ()), critical=bool(raw.get("critical"))))
    if not points:
        problems.append(("points", "at least one point is required"))
    levels = {str(row.get("level")): {lang: str(row.get(lang, "")) for lang in LOCALES}
              for row in data.get("maturity_levels") or [] if isinstance(row, dict)}
    if any(p.kind == "maturity" for p in points) and sorted(levels) != list(MATURITY_VALUES):
        problems.append(("maturity_levels", "levels 0 to 4 are required"))
    interview = []
    for number, raw in enumerate(data.get("interview") or []):
        if not isinstance(raw, dict) or not raw.get("id"):
            problems.append((f"interview[{number}]", "needs an id"))
            continue
        interview.append(InterviewQuestion(id=str(raw["id"]), text=_texts(raw.get("text"), f"interview.{raw['id']}",
                                                                          problems), adverse=bool(raw.get("adverse"))))
    if problems:
        raise QuestionnaireError(problems)
    return Questionnaire(version=version, title=title, sources=sources, areas=areas,
                         points=tuple(points), levels=levels, interview=tuple(interview))


@lru_cache(maxsize=16)
def _parsed(sha256: str, text: str) -> Questionnaire:
    return parse(text)


def load(text: str) -> Questionnaire:
    """Parsed once per distinct text."""
    return _parsed(hashlib.sha256(text.encode("utf-8")).hexdigest(), text)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
