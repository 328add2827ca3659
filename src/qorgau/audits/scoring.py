"""Scores of an audit by area and overall (0-100), each explained by the points behind it.

- A compliance area scores 100 × passed ÷ (passed + failed). Points answered "not applicable" are left out
  of both counts; an area where nothing applies has no score (shown as "not applicable", never as 0).
- The maturity area scores 100 × (mean level ÷ 4) over its answered points (levels 0-4).
- The overall score is the unweighted mean of the area scores that exist: each area weighs the same,
  whatever its number of points, so a long area (safety) cannot drown a short one (child labour).
- Unanswered points block closing the fieldwork (missing is never counted as a pass or a fail).
- Failed critical points (child and forced labour) are listed beside the score.
"""

from __future__ import annotations

from qorgau.audits.questionnaire import Questionnaire


def _round(value: float) -> float:
    return round(value + 1e-9, 1)


def score(questionnaire: Questionnaire, answers: dict[str, str]) -> dict:
    areas: dict[str, dict] = {}
    for area in questionnaire.areas:
        passed, failed, not_applicable, unanswered, levels = [], [], [], [], []
        for point in questionnaire.in_area(area):
            value = answers.get(point.id)
            if value is None:
                unanswered.append(point.id)
            elif point.kind == "maturity":
                levels.append((point.id, int(value)))
            elif value == "yes":
                passed.append(point.id)
            elif value == "no":
                failed.append(point.id)
            else:
                not_applicable.append(point.id)
        if levels:
            value = _round(100 * sum(level for _p, level in levels) / (4 * len(levels)))
        elif passed or failed:
            value = _round(100 * len(passed) / (len(passed) + len(failed)))
        else:
            value = None
        areas[area] = {"score": value, "passed": passed, "failed": failed, "na": not_applicable,
                       "unanswered": unanswered, "levels": dict(levels)}
    scored = [a["score"] for a in areas.values() if a["score"] is not None]
    critical = [p.id for p in questionnaire.points if p.critical and answers.get(p.id) == "no"]
    return {"areas": areas, "overall": _round(sum(scored) / len(scored)) if scored else None,
            "critical_failed": critical}


def unanswered(questionnaire: Questionnaire, answers: dict[str, str]) -> list[str]:
    return [p.id for p in questionnaire.points if p.id not in answers]
