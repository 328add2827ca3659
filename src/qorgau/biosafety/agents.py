"""The biological agents shipped in `data/agents.csv` (sources in `data/PROVENANCE.md`) and the diseases they
cause, by ICD-10 code."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from qorgau.core.i18n_markers import N_

DISEASES = {
    "brucellosis": N_("Brucellosis"), "anthrax": N_("Anthrax"), "tuberculosis": N_("Tuberculosis"),
    "cchf": N_("Crimean-Congo haemorrhagic fever"), "q_fever": N_("Q fever"), "leptospirosis": N_("Leptospirosis"),
    "tularaemia": N_("Tularaemia"), "rabies": N_("Rabies"), "hepatitis_b": N_("Hepatitis B"),
    "hepatitis_c": N_("Hepatitis C"), "hiv": N_("HIV infection"), "legionellosis": N_("Legionnaires' disease"),
    "aspergillosis": N_("Aspergillosis"), "echinococcosis": N_("Echinococcosis"), "typhoid": N_("Typhoid fever"),
    "salmonellosis": N_("Salmonellosis"), "plague": N_("Plague"), "erysipeloid": N_("Erysipeloid"),
    "listeriosis": N_("Listeriosis"), "dermatophytosis": N_("Ringworm (trichophytosis)"),
}
KINDS = {"bacterium": N_("bacterium"), "virus": N_("virus"), "fungus": N_("fungus"), "parasite": N_("parasite")}


@dataclass(frozen=True)
class Agent:
    code: str
    latin_name: str
    kind: str
    eu_group: int | None
    eu_notes: str
    kz_group: str  # "" when not verified
    kz_source: str
    disease: str
    icd10: tuple[str, ...]
    names: dict
    activities: tuple[str, ...]
    eu_source: str
    verification: str

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names["en"]


@cache
def agents() -> tuple[Agent, ...]:
    text = resources.files("qorgau.biosafety").joinpath("data/agents.csv").read_text("utf-8")
    out = []
    for row in csv.DictReader(text.splitlines()):
        out.append(Agent(code=row["code"], latin_name=row["latin_name"], kind=row["kind"],
                         eu_group=int(row["eu_group"]) if row["eu_group"] else None, eu_notes=row["eu_notes"],
                         kz_group=row["kz_group"], kz_source=row["kz_source"], disease=row["disease_key"],
                         icd10=tuple(row["icd10"].split()),
                         names={"en": row["name_en"], "ru": row["name_ru"], "kk": row["name_kk"]},
                         activities=tuple(row["exposed_activities"].split()), eu_source=row["eu_source"],
                         verification=row["verification"]))
    return tuple(out)


def by_code() -> dict[str, Agent]:
    return {a.code: a for a in agents()}


def disease_of_icd10(code: str) -> str | None:
    """The disease key of an ICD-10 code (A23.1 -> brucellosis), or None when no agent here causes it."""
    code = code.strip().upper()
    best: tuple[int, str] | None = None
    for agent in agents():
        for prefix in agent.icd10:
            if code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), agent.disease)
    return best[1] if best else None


def icd10_prefixes() -> set[str]:
    return {p for a in agents() for p in a.icd10}
