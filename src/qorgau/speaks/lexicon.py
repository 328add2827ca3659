"""Transparent triage: word stems per category and urgency in Russian, Kazakh and English.

Each stem that occurs in a report adds its weight to a category; the category with the largest sum
wins and the stems that matched are the explanation shown to the officer. Officers' corrections are
kept (TriageCorrection) and `qorgau speaks train` learns extra stems from them (see `learn`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

CATEGORY_STEMS: dict[str, dict[str, float]] = {
    "machinery_equipment": {"станок": 2, "станог": 2, "оборудован": 2, "конвейер": 2, "механизм": 1.5, "кран": 1.5,
                            "прес": 1.5, "ограждени": 2, "изношен": 1.5, "неисправ": 1.5, "лебедк": 1.5, "машин": 1,
                            "жабдық": 2, "тозған": 1.5, "ақаулы": 1.5, "кожух": 2, "қаптама": 2, "муфт": 2, "білік": 2,
                            "болгарк": 2, "мешалк": 2, "араластырғыш": 2, "строп": 2, "loto": 2.5,
                            "machine": 2, "equipment": 2, "conveyor": 2, "guard": 1.5, "press": 1.5, "worn": 1.5,
                            "lockout": 2, "coupling": 2, "grinder": 2, "mixer": 2, "winch": 2, "sling": 2,
                            "crane": 1.5, "lathe": 2},
    "electrical": {"электр": 1.5, "провод": 2, "кабел": 2, "напряжен": 2, "щит": 2, "током": 2.5, "искрит": 2.5,
                   "заземлен": 2, "розетк": 2, "удлинител": 2.5, "скрутк": 2, "подстанц": 2, "лэп": 2.5,
                   "сым": 2, "ток соқ": 3, "кернеу": 2, "ұшқын": 2.5, "ұзартқыш": 2.5, "қосалқы станция": 2,
                   "электр желі": 2.5, "wire": 2, "electric": 2, "cable": 2, "voltage": 2, "shock": 2, "spark": 2.5,
                   "socket": 2, "extension cord": 2.5, "switchboard": 2.5, "substation": 2, "power line": 2.5,
                   "breaker": 2},
    "falls_heights": {"высот": 2, "леса": 1.5, "лесов": 2, "страховоч": 2.5, "страховк": 2, "упал": 1.5,
                      "лестниц": 1.5, "стремянк": 2, "перил": 2, "ограждений": 1, "на краю": 2, "крыш": 2,
                      "перекрыти": 1.5, "проём": 2, "проем": 2, "люльк": 2, "кровельщик": 2, "антресол": 1.5,
                      "биіктік": 2, "құлап": 1.5, "құлады": 1.5, "сақтандыру белдік": 2.5, "белдік": 2,
                      "қоршау": 2, "шатыр": 2, "жиегінде": 2, "ойық": 2, "баспалдақ": 2, "саты": 1.5,
                      "таяныш": 2, "бесік": 2, "орманд": 1.5,
                      "height": 2, "scaffold": 2, "harness": 2.5, "fell": 1.5, "ladder": 1.5, "railing": 2,
                      "guard rail": 3, "roof": 2, "edge": 2, "opening": 2, "handrail": 2, "stairs": 1.5,
                      "stepladder": 2, "cradle": 2, "fall protection": 3, "tie off": 2},
    "chemical_gas_dust": {"газ": 2, "пыл": 2, "запах": 1.5, "пахнет": 1.5, "хими": 2, "кислот": 2, "сероводород": 3,
                          "so2": 3, "h2s": 3, "арсин": 3, "загазован": 3, "испарени": 2, "выхлоп": 2, "хлор": 2.5,
                          "аммиак": 2.5, "кремни": 1.5, "улан": 2,
                          "шаң": 2, "иіс": 1.5, "күкіртсутек": 3, "қышқыл": 2, "улану": 2,
                          "gas": 2, "dust": 2, "fumes": 2, "smell": 1.5, "chemical": 2, "acid": 2, "toxic": 2,
                          "chlor": 2.5, "ammonia": 2.5, "silica": 2, "diesel": 1.5},
    "fire_explosion": {"пожар": 3, "возгоран": 3, "взрыв": 3, "огнетушител": 2.5, "дым": 1.5, "горит": 2,
                       "баллон": 2.5, "запасной выход": 2.5, "огнев": 2.5, "курилк": 1.5,
                       "өрт": 3, "жарылыс": 3, "түтін": 1.5, "қосалқы шығу": 2.5, "отпен жұмыс": 2.5, "темекі": 1.5,
                       "жанып": 2.5, "fire": 3, "explosion": 3, "extinguisher": 2.5, "smoke": 1.5, "burning": 2,
                       "cylinder": 2.5, "emergency exit": 2.5, "hot work": 2.5, "smoking": 1.5},
    "ppe": {"сиз": 3, "каск": 2.5, "респиратор": 2.5, "перчат": 2, "спецодежд": 2.5, "очк": 1, "беруш": 2,
            "защитн": 1.5, "краги": 2, "сапог": 1.5, "жққ": 3, "қорғаныс құрал": 3, "арнайы киім": 2.5, "қолғап": 2,
            "көзілдірік": 2, "етік": 1.5, "ppe": 3, "helmet": 2.5, "respirator": 2.5, "gloves": 2, "goggles": 2,
            "protective": 1.5, "mask": 1.5, "boots": 1.5, "ear plugs": 2},
    "transport_vehicles": {"погрузчик": 2.5, "самосвал": 2.5, "автомобил": 2, "водител": 2, "тормоз": 2,
                           "транспорт": 2, "вагон": 2, "локомотив": 2, "дорог": 1, "автобус": 2, "поезд": 2,
                           "ж/д": 2, "рулев": 2, "скорост": 2, "резин": 1.5, "переезд": 2,
                           "көлік": 2, "жүргізуші": 2, "тиегіш": 2.5, "тежегіш": 2, "пойыз": 2, "темір жол": 2,
                           "рулі": 2, "жылдамдық": 2, "дөңгелек": 1.5,
                           "forklift": 2.5, "truck": 2, "driver": 2, "vehicle": 2, "brakes": 2, "train": 1.5,
                           "bus": 2, "railway": 2, "loader": 2, "steering": 2, "tyres": 2, "tires": 2, "speed": 2,
                           "crossing": 1.5},
    "confined_space": {"емкост": 2, "ёмкост": 2, "колодц": 2.5, "колодец": 2.5, "резервуар": 2.5, "замкнут": 3,
                       "цистерн": 2.5, "бункер": 2, "силос": 2.5, "рудоспуск": 2.5, "кислород": 2, "подполье": 2,
                       "шектеулі кеңістік": 3, "құдық": 2.5, "кәріз": 2, "кен түсіргіш": 2.5, "оттег": 2,
                       "жертөле": 2, "үшаяқ": 2, "confined": 3, "manhole": 2.5, "tank": 2, "silo": 2, "sewer": 2,
                       "sewage": 2, "ore pass": 2.5, "oxygen": 2, "crawl space": 2.5, "tripod": 2},
    "physical_environment": {"шум": 2.5, "жарко": 2, "от жары": 2.5, "холод": 2, "освещен": 2, "вибрац": 2.5,
                             "температур": 2, "духот": 2, "градус": 2, "кондиционер": 2, "минус": 1.5, "обогрев": 2,
                             "громк": 2, "звенит": 2, "прожектор": 2, "не горит": 3, "дышать нечем": 2,
                             "шу": 2, "ыстық": 2, "суық": 2, "жарық": 1.5, "діріл": 2.5, "жылынатын": 2,
                             "шыңылда": 2, "тыныс алу қиын": 2, "жанбайды": 2,
                             "noise": 2.5, "heat": 2, "hot": 1.5, "cold": 2, "lighting": 2, "vibration": 2.5,
                             "degrees": 2, "air conditioning": 2, "freezing": 2, "loud": 2, "ringing": 2,
                             "floodlight": 2, "stuffy": 2, "fans": 1.5},
    "ergonomics_workload": {"смен": 0.5, "переработ": 2.5, "сверхуроч": 2.5, "тяжест": 2, "нагрузк": 2, "устал": 2,
                            "без отдых": 2.5, "без выходн": 2.5, "спин": 1.5, "мешк": 1.5, "перерыв": 2, "норм": 1.5,
                            "стоя": 1.5, "стул": 1.5, "кресл": 1.5, "регулируем": 2, "две смены": 2,
                            "ауысым": 0.5, "шаршадық": 2, "жүктеме": 2, "демалыссыз": 2.5, "арқасы ауыр": 2,
                            "белі ауыр": 2, "үзіліс": 1.5, "нормасы": 2, "тік тұрып": 1.5, "реттелетін": 2,
                            "екі ауысым": 2, "overtime": 2.5, "shift": 0.5, "lifting": 2, "tired": 2, "workload": 2,
                            "no break": 2.5, "sacks": 2, "back pain": 2, "backs": 1.5, "quota": 2, "target": 2,
                            "standing": 1.5, "chairs": 1.5, "stools": 1.5, "adjustable": 2, "double shift": 2,
                            "day off": 2},
    "biological": {"инфекц": 2.5, "вирус": 2, "бактер": 2, "крыс": 2, "плесен": 2, "туберкул": 3, "кровь": 1.5,
                   "игл": 1.5, "питьев": 2, "желудк": 1.5, "клещ": 2, "собак": 2, "голуб": 2, "мыла": 1.5,
                   "жұқпа": 2.5, "инфекция": 2.5, "ине": 2, "зең": 2, "ауыз су": 2, "іші ауыр": 1.5, "кене": 2,
                   "егеуқұйрық": 2, "көгершін": 2, "сабын": 1.5, "иттер": 2,
                   "infection": 2.5, "needle": 2, "mould": 2, "mold": 2, "rats": 2, "virus": 2, "sharps": 2,
                   "drinking water": 2, "stomach": 1.5, "tick": 2, "dogs": 2, "pigeon": 2, "soap": 1.5,
                   "tb": 2},
    "psychosocial_harassment": {"оскорб": 2.5, "унижа": 2.5, "кричит": 2, "орёт": 2, "орет": 2, "угрож": 2.5,
                                "грози": 2.5, "травл": 3, "домогат": 3, "давлен": 1.5, "моббинг": 3, "ударил": 2.5,
                                "толкнул": 2.5, "психолог": 2.5, "беременн": 2, "обзыва": 2.5, "обидн": 2,
                                "трогает": 2,
                                "қорла": 2.5, "балағат": 2.5, "қорқыт": 2.5, "ұрды": 2.5, "итеріп": 2.5,
                                "жүкті": 2, "қудала": 2.5, "айқайла": 2,
                                "harass": 3, "bully": 3, "insult": 2.5, "threat": 2.5, "shout": 2, "humiliat": 2.5,
                                "hit a": 2, "psycholog": 2.5, "pregnant": 2, "touching": 2, "names": 1},
    "labor_rights": {"зарплат": 2.5, "заработн": 2.5, "уволь": 2, "отпуск": 2, "договор": 1.5, "штраф": 2,
                     "задержива": 2, "преми": 1.5, "наличк": 2, "трудов": 2, "расчётн": 2, "расчетн": 2,
                     "юрист": 2, "испытательн": 2, "платят": 2, "оплачива": 1.5, "доплат": 2,
                     "жалақы": 2.5, "жұмыстан шығар": 2.5, "демалыс": 2, "қолма-қол": 2, "еңбек шарт": 2.5,
                     "есеп парақ": 2, "заңгер": 2, "сынақ мерзім": 2, "төлей": 2, "айыппұл": 2, "сыйақы": 1.5,
                     "wage": 2.5, "salary": 2.5, "fired": 2, "dismiss": 2, "contract": 1.5, "vacation": 2,
                     "unpaid": 2, "cash": 2, "payslip": 2.5, "lawyer": 2, "probation": 2, "leave": 1.5,
                     "bonus": 1.5, "paid": 1.5, "fines": 2},
    "other": {"столов": 2, "туалет": 1.5, "шкафчик": 2, "шкаф": 2, "душ": 2, "аптечк": 2.5, "профорг": 2,
              "вайфай": 2, "медосмотр": 2, "лавочк": 2, "новогодн": 2, "раздевалк": 1,
              "асхана": 2, "дәретхана": 1.5, "дәрі қобдиша": 2.5, "кәсіподақ өкіл": 2, "медициналық тексеру": 2,
              "жаңа жылдық": 2, "canteen": 2, "toilet": 1.5, "locker": 2, "shower": 2, "first aid kit": 2.5,
              "union rep": 2, "wifi": 2, "medical check": 2, "benches": 2, "new year": 2},
}
# More stems in every language for the wording of other writers (slang, Kazakh in Latin script, trade
# words): machines by name, the safeguards and symptoms of each hazard, pay and hours.
for _category, _stems in {
    "machinery_equipment": {"станк": 2, "фрез": 2, "токарн": 2, "вальц": 2, "дробилк": 2, "пилорам": 2,
                            "аварийн кнопк": 2.5, "аварийн стоп": 2.5, "апаттық тоқтату": 2.5, "ұсатқыш": 2,
                            "фрезер": 2, "stanok": 2, "jabdyq": 2, "zhabdyq": 2, "chuck": 2, "saw": 1.5, "crusher": 2,
                            "blade": 2, "emergency stop": 2.5, "e-stop": 2.5, "roller": 1.5, "drill": 1.5,
                            "belt": 1.5, "rollers": 1.5},
    "electrical": {"моргает": 2, "мигает": 2, "предохранител": 2, "автомат выбива": 2.5, "жерге тұйықта": 2.5,
                   "розетка": 2, "сымдар": 2, "elektr": 1.5, "tok ": 1.5, "grounding": 2, "earthing": 2,
                   "outlet": 2, "fuse": 2, "flicker": 2, "live ": 1.5},
    "fire_explosion": {"эвакуац": 2.5, "evakuac": 2.5, "evacuat": 2.5, "fire exit": 3, "огнеопасн": 2.5,
                       "flammable": 2.5, "тез тұтанатын": 2.5, "ort ": 2},
    "ppe": {"маск": 1.5, "щиток": 1.5, "бетперде": 2, "kaska": 2.5, "hard hat": 2.5, "face shield": 2.5,
            "safety glasses": 2.5, "hi-vis": 2, "vest": 1.5, "earmuffs": 2, "harness": 1},
    "transport_vehicles": {"камаз": 2.5, "задом": 2, "задний ход": 2, "пешеход": 2, "кювет": 2, "тягач": 2,
                           "кері жүріс": 2, "kolik": 2, "jurgizushi": 2, "zhurgizushi": 2, "reversing": 2,
                           "backing up": 2, "pedestrian": 2, "van ": 2, "lorry": 2, "rail": 1.5, "wheel": 1.5},
    "falls_heights": {"кровл": 2, "сорвал": 1.5, "биіктен": 2, "шұңқыр": 1.5, "skylight": 2, "mezzanine": 2,
                      "fell through": 2, "fall ": 1.5, "biiktik": 2},
    "chemical_gas_dust": {"щелоч": 2, "растворител": 2, "краск": 1.5, "гальван": 2, "вытяжк": 2, "сорғыш": 2,
                          "еріткіш": 2, "бояу": 1.5, "тұншық": 2, "caustic": 2.5, "solvent": 2, "paint": 1.5,
                          "extraction": 2, "vapour": 2, "vapor": 2, "shan ": 2, "gaz ": 2},
    "physical_environment": {"жара ": 2, "зной": 2, "отоплен": 2, "тепловым удар": 2, "heatstroke": 2,
                             "heat stroke": 2, "heating": 2, "dark": 1.5, "numb": 1.5, "қараңғы": 2, "салқын": 2,
                             "жылыт": 2, "ystyq": 2, "suyq": 2, "suiq": 2},
    "ergonomics_workload": {"уснул": 2, "подряд": 1.5, "ұйықтап": 2, "қатарынан": 1.5, "asleep": 2, "hours straight": 2, "back to back": 2, "еңкей": 2, "наклон": 2,
                            "bend": 1.5, "posture": 2, "поза": 2, "auysym": 0.5},
    "biological": {"диаре": 2, "понос": 2, "іші өт": 2, "тарака": 2, "тарақан": 2, "бруцелл": 3, "сибирск язв": 3,
                   "сібір жара": 3, "шприц": 2, "diarrh": 2, "cockroach": 2, "brucell": 3, "anthrax": 3,
                   "syringe": 2, "pep ": 2, "food poison": 2.5},
    "psychosocial_harassment": {"нож": 2.5, "избил": 2.5, "пышақ": 2.5, "стресс": 2, "күйзеліс": 2, "knife": 2.5,
                                "punch": 2.5, "stress": 2, "shoot": 2},
    "labor_rights": {"үстемақы": 2.5, "жалақ": 2.5, "төлем": 2, "zarplat": 2.5, "zhalaq": 2.5, "jalaq": 2.5,
                     "ustemaq": 2.5, "tolem": 2, "tolei": 2, "overtime pay": 2.5, "pay ": 1.5, "уволить": 2},
    "other": {"общежити": 2, "жатақхана": 2, "dormitor": 2, "hostel": 2},
}.items():
    CATEGORY_STEMS[_category].update({stem: weight for stem, weight in _stems.items()
                                      if stem not in CATEGORY_STEMS[_category]})
# The vocabulary of each hazard as a trade names it, in all three languages (kk in both scripts where the
# Latin form differs): what is missing (vaccination, soap, heating, markings, an induction), the objects
# of each hazard (a gas pipe, a fume hood, a rung, a tank), and the forms of workplace pressure (retaliation
# for a complaint, a forced statement, a drunk superior). Short reports of one clause are decided by these.
for _category, _stems in {
    "machinery_equipment": {"ножниц": 1.5, "гильотин": 2, "патрон": 1.5, "педал": 1.5, "тросов выключател": 2.5,
                            "жоңқа": 2, "стружк": 2, "диірмен": 2, "станокта": 2, "pedal": 1.5, "pull cord": 2.5,
                            "shears": 2, "lathe chuck": 2.5},
    "electrical": {"диэлектр": 2.5, "изолирован": 2, "изоляци": 2, "оқшаула": 2, "insulated": 2.5, "insulation": 2,
                   " kv ": 2.5, " кв ": 2.5, "автомат": 1, "электромонтер": 2, "электрик": 2, "electrician": 2},
    "falls_heights": {"ступен": 1.5, "скольз": 1.5, "тайғақ": 1.5, "rung": 2, "non slip": 2, "slippery": 1.5,
                      "баспалдақ": 2, "стремян": 2},
    "chemical_gas_dust": {"свин": 2, "қорғасын": 2.5, "ртут": 2.5, "сынап": 2.5, "lead level": 2.5, "mercury": 2.5,
                          "этикет": 2, "белгісіз зат": 2, "label": 1.5, "sds": 2.5, "реагент": 2, "reagent": 2,
                          "пары": 1.5, "бу ": 1, "qorgasyn": 2.5, "лак": 1, "серн": 2, "sulfuric": 2.5,
                          "sulphuric": 2.5, "күкірт қышқыл": 2.5, "кремнез": 2.5, "асбест": 2.5, "asbestos": 2.5},
    "fire_explosion": {"баллон": 2.5, "пропан": 2.5, "ацетилен": 2.5, "газ құбыр": 2.5, "gaz qubyr": 2.5,
                       "газопровод": 2.5, "gas line": 2.5, "gas pipe": 2.5, "gas smell": 2, "горелк": 2.5,
                       "burner": 2.5, "қыздырғыш": 1.5, "пештің": 1.5, "темекі шег": 2, "temeki": 2,
                       "снаряд": 2.5, "боеприпас": 2.5, "ordnance": 2.5, "unexploded": 3, "grenade": 2.5},
    "ppe": {"жеке қорғаныс": 3, "қорғаныш көзілдірік": 2.5, "каскасыз": 2.5, "kaskasyz": 2.5},
    "transport_vehicles": {"разметк": 2, "белгілер": 1.5, "жол белгі": 2, "парковк": 2, "тұрақ": 1, "карьер жол": 2,
                           "parking": 2, "pothole": 2, "markings": 2, "road signs": 2, "haul truck": 2.5,
                           "самосвал": 2.5, "зеркал": 1.5, "mirrors": 1.5, "ramp": 1},
    "confined_space": {"сыйымдылы": 2.5, "жабық кеңістік": 3, "шектеулі": 2, "syiymdyl": 2.5, "zhabyq keni": 3,
                       "колодез": 2.5, "газоанализатор": 1.5, "gas detector": 1.5, "цистерна": 2.5, "цистернан": 2.5,
                       "vessel": 1.5, "pit ": 1.5},
    "physical_environment": {"жылу жоқ": 2.5, "жылу берілме": 2.5, "жылытылмай": 2.5, "не топят": 2.5, "холодн": 2,
                             "освещ": 2, "темно": 2, "more light": 2, "no heating": 2.5, "кондиц": 2, "желдет": 1.5,
                             "жарықтандыр": 2, "zharyq": 1.5, "jaryq": 1.5},
    "ergonomics_workload": {"орындық": 2, "ergonom": 2.5, "эргоном": 2.5, "компьютер": 1.5, "монитор": 1.5,
                            "computer": 1.5, "desk": 1.5, "по 12 час": 2, "по 14 час": 2, "сағат бойы": 1.5},
    "biological": {"екпе": 2.5, "вакцин": 2.5, "прививк": 2.5, "vaccin": 2.5, "flu shot": 2.5, "шприц": 2,
                   "қол жуат": 2, "руки помыть": 2, "мыть руки": 2, "hand wash": 2, "handwash": 2, "қоқыс": 1.5,
                   "мусор": 1.5, "garbage": 1.5, "waste": 1, "полигон": 1.5, "сорғыш шкаф": 2, "вытяжн шкаф": 2,
                   "fume hood": 2, "зертхан": 1.5, "лаборатор": 1.5, "laborator": 1.5, "кене": 2, "клещ": 2},
    "psychosocial_harassment": {"мас күйінде": 2, "пьяный": 2, "пьян": 1.5, "drunk": 2, "ұрып": 2.5, "бьет": 2.5,
                                "жыныстық": 3, "сексуал": 3, "sexual": 3, "после того как написали жалоб": 3,
                                "за жалоб": 2.5, "since i reported": 3, "after i reported": 3, "retaliat": 3,
                                "шағымданса": 2.5, "отомст": 2.5, "feedback box": 2, "анонимн": 1.5,
                                "anonymous": 1.5, "pyshaq": 2.5, "myltyq": 2.5},
    "labor_rights": {"ұжымдық шарт": 3, "коллективн договор": 3, "collective agreement": 3, "табел": 2, "timesheet": 2,
                     "заставляют подписа": 2.5, "sign a paper": 2.5, "lose our jobs": 2.5, "уволят": 2,
                     "сверхурочные не оплач": 3, "не оплачива": 2.5, "not paid": 2.5, "ujymdyq shart": 3},
    "other": {"медпункт": 2, "medpunkt": 2, "рахмет": 2, "спасибо": 2, "thank": 2, "вводн инструктаж": 2.5,
              "safety induction": 2.5, "induction": 2, "нұсқаулық": 1.5, "инструктаж": 1.5, "бытовк": 1},
}.items():
    CATEGORY_STEMS[_category].update({stem: weight for stem, weight in _stems.items()
                                      if stem not in CATEGORY_STEMS[_category]})
# A danger in progress. "Now" words alone (NOW_STEMS) never make a report urgent: "сейчас на всю линию
# два ключа" is a suggestion. Imminent = danger stems and now stems together reach IMMINENT_AT.
IMMINENT_STEMS = {"утечк": 2.5, "обрушен": 3, "обвал": 3, "завал": 3, "искрит": 2, "оголен": 2, "горит": 2.5,
                  "уже горит": 3, "пожар ": 2.5, "дым везде": 2, "задыха": 3, "потерял сознан": 3, "без сознан": 3,
                  "еле дышит": 3, "заперт": 2.5, "застрял": 2.5, "взорв": 3, "загазован": 2.5, "под напряжением": 2,
                  "перестал отвечать": 3, "не отвечает": 2, "не отвечают": 2, "кружится голова": 2,
                  "над людьми": 1.5, "блокировк": 1.5, "нет ограждения": 1.5, "без страховк": 1.5, "оборвал": 2,
                  "ағып жатыр": 2.5, "опырыл": 3, "тұншығ": 3, "есінен тан": 3, "жанып жатыр": 3,
                  "шығып жатыр": 2.5, "кернеудегі": 2, "жауап бермей": 2.5, "жауап бермей қалды": 0.5, "басы айнал": 2, "әрең дем": 3,
                  "ұшқын шашып тұр": 1.5, "бұғатта": 1.5, "түтін толып": 2, "өрт ": 1.5, "адамдардың үстінен": 1.5, "қоршау жоқ": 1.5,
                  "сақтандырусыз": 1.5, "белдіксіз": 1.5, "үзіліп": 2,
                  "leak": 2.5, "collapse": 3, "trapped": 3, "unconscious": 3, "on fire": 3, "live wire": 3,
                  "live cable": 2.5, "started burning": 3, "smoke everywhere": 2, "fire in ": 2.5,
                  "can't breathe": 3, "cant breathe": 3, "barely breathing": 3, "stopped answering": 3,
                  "not answering": 2, "dont answer": 2, "don't answer": 2, "dizzy": 2, "fainted": 2,
                  "over people": 1.5, "no guard rail": 1.5, "no fall protection": 1.5, "without a harness": 1.5,
                  "is down": 2, "sparking": 2, "crackling": 1.5, "bypass": 1.5}
NOW_STEMS = {"прямо сейчас": 3, "сейчас": 1.5, "немедленно": 2, "срочно": 2, "қазір": 1.5, "дәл қазір": 3,
             "шұғыл": 2, "тез": 1.5, "now": 1.5, "right now": 3, "happening now": 3, "urgent": 2,
             "immediately": 2, "come now": 2}
IMMINENT_AT = 3.0
HIGH_STEMS = {"травм": 2, "пострада": 2, "ранен": 2, "ожог": 2, "перелом": 2, "опасн": 1.5, "без сиз": 2,
              "несчастн": 2, "чуть не": 2, "укол": 2, "ударил": 2, "без наряд": 2, "без тормоз": 2, "треснут": 1.5,
              "обморок": 2, "немеют": 2, "засыпают": 2, "сняли защитн": 2, "не предупрежда": 2,
              "жарақат": 2, "күйік": 2, "зардап": 2, "жазда": 2, "шаншыл": 2, "ұрды": 2, "рұқсатсыз": 2,
              "сындырды": 2, "талып": 2, "ұйықтап қал": 2, "ауруханаға": 2, "ескертпейді": 2,
              "injur": 2, "hurt": 2, "burn": 2, "dangerous": 1.5, "accident": 2, "nearly": 2, "almost": 2,
              "needlestick": 2, "without a permit": 2, "no working brakes": 2, "cracked": 1.5, "broke ": 1.5,
              "falling asleep": 2, "numb ": 2, "bitten": 2, "hit a": 2, "lose a hand": 2, "guard removed": 2,
              "not warned": 2}
LOW_STEMS = {"предлага": 2.5, "предложен": 2.5, "хорошо бы": 2, "было бы": 1.5, "просьба": 1.5, "нельзя ли": 2,
             "может": 1, "ұсыныс": 2.5, "ұсынамын": 2.5, "жақсы болар": 2, "сұраймыз": 1.5, "бола ма": 1.5,
             "suggest": 2.5, "would be good": 2, "would be nice": 2, "idea": 1.5, "could we": 1.5, "can we": 1.5,
             "maybe": 1.5, "please buy": 1.5}
MIN_CATEGORY_SCORE = 1.0  # below this (a lone "shift") the report stays "other"
LEARNED = Path(__file__).resolve().parent / "data" / "learned_stems.json"


@dataclass
class Result:
    category: str
    urgency: str
    category_words: list[dict] = field(default_factory=list)
    urgency_words: list[dict] = field(default_factory=list)

    def explanation(self) -> dict:
        return {"category_words": self.category_words, "urgency_words": self.urgency_words,
                "method": "lexicon v2 (stems in kk/ru/en)"}


def _normalise(text: str) -> str:
    """Lower case, ё as е, punctuation as spaces (so a stem ending in a space matches a whole word)."""
    text = re.sub(r"[^\w/'\- ]", " ", text.lower().replace("ё", "е").replace("’", "'"))
    return " " + re.sub(r"\s+", " ", text) + " "


@cache
def _pattern(stem: str) -> re.Pattern:
    # A stem matches at the start of a word (inflected endings follow), not right after the
    # Russian negation "не" ("не горит" is a lamp that is out, not a fire).
    return re.compile(r"(?<![\w])(?<! не )" + re.escape(stem.replace("ё", "е")))


def _hits(text: str, stems: dict[str, float]) -> list[dict]:
    # A plain substring test first: most stems are absent, and it is far cheaper than the pattern.
    found = [{"word": stem, "weight": weight} for stem, weight in stems.items()
             if stem.replace("ё", "е") in text and _pattern(stem).search(text)]
    return sorted(found, key=lambda h: -h["weight"])


def _learned() -> dict[str, dict[str, float]]:
    if LEARNED.exists():
        return json.loads(LEARNED.read_text(encoding="utf-8"))
    return {}


def _score(hits: list[dict]) -> float:
    return sum(h["weight"] for h in hits)


def classify(text: str) -> Result:
    """Category and urgency with the stems that decided them."""
    normal = _normalise(text)
    learned = _learned()
    best, best_score, best_hits = "other", MIN_CATEGORY_SCORE - 1e-9, []
    for category, stems in CATEGORY_STEMS.items():
        hits = _hits(normal, {**stems, **learned.get(category, {})})
        score = _score(hits)
        if score > best_score:
            best, best_score, best_hits = category, score, hits
    danger, now = _hits(normal, IMMINENT_STEMS), _hits(normal, NOW_STEMS)
    high, low = _hits(normal, HIGH_STEMS), _hits(normal, LOW_STEMS)
    if danger and _score(danger) + _score(now) >= IMMINENT_AT:
        urgency, words = "imminent", danger + now
    elif low and not danger and _score(low) >= 1.5 and _score(low) >= _score(high):
        urgency, words = "low", low
    elif high or danger:
        urgency, words = "high", high + danger
    else:
        urgency, words = "normal", []
    return Result(best, urgency, best_hits[:6], words[:6])


def learn(corrections: list[tuple[str, str, str]], *, min_count: int = 2) -> dict[str, dict[str, float]]:
    """Words that keep appearing in reports officers moved to a category become stems of it."""
    counts: dict[str, Counter] = {}
    for text, category, _urgency in corrections:
        words = {w for w in re.findall(r"[\wәғқңөұүһі]{5,}", text.lower())}
        counts.setdefault(category, Counter()).update(w[:7] for w in words)
    known = {stem for stems in CATEGORY_STEMS.values() for stem in stems}
    learned = {category: {stem: 1.0 for stem, n in counter.items() if n >= min_count and stem not in known}
               for category, counter in counts.items()}
    LEARNED.parent.mkdir(parents=True, exist_ok=True)
    LEARNED.write_text(json.dumps(learned, ensure_ascii=False, indent=1), encoding="utf-8")
    return learned
