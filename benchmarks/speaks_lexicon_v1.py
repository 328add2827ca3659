"""The triage lexicon as it was before the labelled set existed (frozen, v1).

Kept only as a baseline for speaks_triage.py beside it: its stems were written without reading any
labelled report, so its figures on the whole set are an untuned measurement. The service uses
`qorgau/speaks/lexicon.py` (v2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CATEGORY_STEMS: dict[str, dict[str, float]] = {
    "machinery_equipment": {"станок": 2, "оборудован": 2, "конвейер": 2, "механизм": 1.5, "кран": 1.5, "пресс": 1.5,
                            "ограждени": 2, "изношен": 1.5, "неисправ": 1.5, "лебедк": 1.5, "машин": 1,
                            "жабдық": 2, "тозған": 1.5, "ақаулы": 1.5,
                            "machine": 2, "equipment": 2, "conveyor": 2, "guard": 1.5, "press": 1.5, "worn": 1.5},
    "electrical": {"электр": 1.5, "провод": 2, "кабел": 2, "напряжен": 2, "щиток": 2, "током": 2.5, "искрит": 2.5,
                   "заземлен": 2, "сым": 2, "ток соқ": 3, "кернеу": 2, "wire": 2, "electric": 2, "cable": 2,
                   "voltage": 2, "shock": 2, "sparks": 2.5},
    "falls_heights": {"высот": 2, "леса": 1.5, "лесов": 2, "страховоч": 2.5, "упал": 1.5, "лестниц": 1.5,
                      "перил": 2, "ограждений": 1, "биіктік": 2, "құлап": 1.5, "құлады": 1.5, "сақтандыру белдік": 2.5,
                      "height": 2, "scaffold": 2, "harness": 2.5, "fell": 1.5, "ladder": 1.5, "railing": 2},
    "chemical_gas_dust": {"газ": 2, "пыл": 2, "запах": 1.5, "пахнет": 1.5, "химич": 2, "кислот": 2, "сероводород": 3,
                          "so2": 3, "арсин": 3, "загазован": 3, "испарени": 2, "шаң": 2, "иіс": 1.5, "улан": 2,
                          "химия": 2, "gas": 2, "dust": 2, "fumes": 2, "smell": 1.5, "chemical": 2, "acid": 2,
                          "toxic": 2},
    "fire_explosion": {"пожар": 3, "возгоран": 3, "взрыв": 3, "огнетушител": 2.5, "дым": 1.5, "горит": 2,
                       "өрт": 3, "жарылыс": 3, "түтін": 1.5, "fire": 3, "explosion": 3, "extinguisher": 2.5,
                       "smoke": 1.5, "burning": 2},
    "ppe": {"сиз": 3, "каск": 2.5, "респиратор": 2.5, "перчат": 2, "спецодежд": 2.5, "очк": 1, "беруш": 2,
            "защитн": 1.5, "жққ": 3, "қорғаныс құрал": 3, "арнайы киім": 2.5, "қолғап": 2, "ppe": 3,
            "helmet": 2.5, "respirator": 2.5, "gloves": 2, "goggles": 2, "protective": 1.5, "mask": 1.5},
    "transport_vehicles": {"погрузчик": 2.5, "самосвал": 2.5, "автомобил": 2, "водител": 2, "тормоз": 2,
                           "транспорт": 2, "вагон": 2, "локомотив": 2, "дорог": 1, "көлік": 2, "жүргізуші": 2,
                           "forklift": 2.5, "truck": 2, "driver": 2, "vehicle": 2, "brakes": 2, "train": 1.5},
    "confined_space": {"емкост": 2, "ёмкост": 2, "колодц": 2.5, "резервуар": 2.5, "замкнут": 3, "цистерн": 2.5,
                       "бункер": 2, "шектеулі кеңістік": 3, "құдық": 2.5, "confined": 3, "manhole": 2.5,
                       "tank": 2, "silo": 2},
    "physical_environment": {"шум": 2.5, "жар": 1.5, "жарко": 2, "холод": 2, "освещен": 2, "вибрац": 2.5,
                             "температур": 2, "духот": 2, "шу": 2, "ыстық": 2, "суық": 2, "жарық": 1.5, "діріл": 2.5,
                             "noise": 2.5, "heat": 2, "hot": 1.5, "cold": 2, "lighting": 2, "vibration": 2.5},
    "ergonomics_workload": {"смен": 1.5, "переработ": 2.5, "сверхуроч": 2.5, "тяжест": 2, "нагрузк": 2, "устал": 2,
                            "без отдых": 2.5, "спин": 1.5, "ауысым": 1.5, "шаршадық": 2, "жүктеме": 2, "overtime": 2.5,
                            "shift": 1.5, "lifting": 2, "tired": 2, "workload": 2, "no break": 2.5},
    "biological": {"инфекц": 2.5, "вирус": 2, "бактер": 2, "крыс": 2, "плесен": 2, "туберкул": 3, "кровь": 1.5,
                   "игл": 1.5, "жұқпа": 2.5, "инфекция": 2.5, "infection": 2.5, "needle": 2, "mould": 2, "rats": 2,
                   "virus": 2},
    "psychosocial_harassment": {"оскорб": 2.5, "унижа": 2.5, "кричит": 2, "угрож": 2.5, "травл": 3, "домогат": 3,
                                "давлен": 1.5, "моббинг": 3, "қорла": 2.5, "балағат": 2.5, "қорқыт": 2.5,
                                "harass": 3, "bully": 3, "insult": 2.5, "threat": 2.5, "shout": 2},
    "labor_rights": {"зарплат": 2.5, "заработн": 2.5, "уволь": 2, "увольн": 2, "отпуск": 2, "договор": 1.5,
                     "штраф": 2, "задержива": 2, "премия": 1.5, "жалақы": 2.5, "жұмыстан шығар": 2.5, "демалыс": 2,
                     "wage": 2.5, "salary": 2.5, "fired": 2, "dismiss": 2, "contract": 1.5, "vacation": 2, "unpaid": 2},
}
IMMINENT_STEMS = {"прямо сейчас": 3, "сейчас": 1.5, "утечк": 2.5, "обрушен": 3, "обвал": 3, "завал": 3,
                  "искрит": 2, "оголен": 2, "оголён": 2, "горит": 2.5, "пожар": 2, "задыха": 3, "потерял сознан": 3,
                  "без сознан": 3, "заперт": 2.5, "застрял": 2.5, "угроз": 1.5, "немедленно": 2, "срочно": 2,
                  "взорв": 3, "загазован": 2.5, "қазір": 2, "дәл қазір": 3, "ағып жатыр": 2.5, "опырыл": 3,
                  "тұншығ": 3, "есінен тан": 3, "жанып жатыр": 3, "шұғыл": 2, "қауіпті": 1, "now": 1.5,
                  "right now": 3, "leak": 2.5, "collapse": 3, "trapped": 3, "unconscious": 3, "on fire": 3,
                  "live wire": 3, "urgent": 2, "immediately": 2}
HIGH_STEMS = {"травм": 2, "пострада": 2, "ранен": 2, "ожог": 2, "перелом": 2, "опасн": 1.5, "без сиз": 2,
              "несчастн": 2, "жарақат": 2, "күйік": 2, "зардап": 2, "injur": 2, "hurt": 2, "burn": 2, "dangerous": 1.5,
              "accident": 2}
LOW_STEMS = {"предлага": 2.5, "предложен": 2.5, "хорошо бы": 2, "было бы": 1.5, "ұсыныс": 2.5, "ұсынамын": 2.5,
             "жақсы болар": 2, "suggest": 2.5, "would be good": 2, "idea": 1.5, "could we": 1.5}


@dataclass
class Result:
    category: str
    urgency: str
    category_words: list[dict]
    urgency_words: list[dict]


def _normalise(text: str) -> str:
    return " " + re.sub(r"\s+", " ", text.lower().replace("ё", "е")) + " "


def _hits(text: str, stems: dict[str, float]) -> list[dict]:
    found = []
    for stem, weight in stems.items():
        stem_n = stem.replace("ё", "е")
        # A stem matches at the start of a word (inflected endings follow).
        if re.search(r"(?<![\w])" + re.escape(stem_n), text):
            found.append({"word": stem, "weight": weight})
    return sorted(found, key=lambda h: -h["weight"])


def classify(text: str) -> Result:
    """Category and urgency with the stems that decided them."""
    normal = _normalise(text)
    best, best_score, best_hits = "other", 0.0, []
    for category, stems in CATEGORY_STEMS.items():
        hits = _hits(normal, stems)
        score = sum(h["weight"] for h in hits)
        if score > best_score:
            best, best_score, best_hits = category, score, hits
    imminent = _hits(normal, IMMINENT_STEMS)
    high = _hits(normal, HIGH_STEMS)
    low = _hits(normal, LOW_STEMS)
    imminent_score = sum(h["weight"] for h in imminent)
    if imminent_score >= 3:
        urgency, words = "imminent", imminent
    elif high or imminent:
        urgency, words = "high", high + imminent
    elif low:
        urgency, words = "low", low
    else:
        urgency, words = "normal", []
    return Result(best, urgency, best_hits[:6], words[:6])
