"""Severity rules: each rule fires in Kazakh, Russian and English, through inflection and misspelling, not on
look-alikes or negations, and makes a report at least high (imminent while the danger is still there)."""

from __future__ import annotations

import pytest

from qorgau.speaks import severity
from qorgau.speaks.evaluation import load

CASES = {
    "death": {
        "kk": ["Жұмысшы конвейерде қаза тапты", "кеше слесарь ауруханада қайтыс болды", "екі адам қаза болды",
               "jumysshy qaza tapty"],
        "ru": ["Рабочий погиб на месте", "родственники погибшего требуют расследования", "стропальщик скончался",
               "пагиб слесарь на участке", "электрика убило током"],
        "en": ["Employee died after falling 30 feet", "a worker was killed by a falling beam", "fatally crushed by a loader",
               "worker ftally struck by a truck"],
    },
    "amputation": {
        "kk": ["прессте оператордың екі саусағын кесіп кетті", "саусағы кесіліп түсті", "аяғын ампутациялады"],
        "ru": ["Работнику отрезало два пальца на прессе", "оторвало кисть руки", "палец ампутировали в больнице"],
        "en": ["his fingertip was amputated", "she lost two fingers in the press", "the saw severed his thumb"],
    },
    "unconscious": {
        "kk": ["зертханашы есінен танып қалды", "ыстықтан екі адам талып қалды"],
        "ru": ["оператор потерял сознание у котла", "лежит без сознания", "упала в обморок от жары"],
        "en": ["the welder passed out", "found him unconscious", "two people fainted in the heat"],
    },
    "fire_explosion": {
        "kk": ["қоймада өрт шықты", "қазандықта жарылыс болды", "кабель жанып кетті"],
        "ru": ["пожар на складе ГСМ", "в цехе произошёл взрыв", "загорелась проводка в щитовой", "ПАЖАР в цеху"],
        "en": ["fire in the paint store", "the tank exploded", "the dryer caught fire"],
    },
    "collapse_entrapment": {
        "kk": ["траншеяның қабырғасы опырылып түсті", "жұмысшы кабинада қысылып қалды"],
        "ru": ["в забое обрушилась кровля", "рабочего придавило плитой", "засыпало грунтом в траншее"],
        "en": ["the trench caved in", "a worker is trapped under the beam", "his arm was caught in the rollers"],
    },
    "electrocution": {
        "kk": ["электригті ток соқты", "монтажшыны ток соғып кетті"],
        "ru": ["электрика ударило током", "его шибануло током от щита", "электротравма на подстанции"],
        "en": ["a lineman was electrocuted", "he got an electric shock from the panel", "got zapped by the welder"],
    },
    "gas_poisoning": {
        "kk": ["слесарь газдан уланып қалды", "құдықта тұншығып қалды"],
        "ru": ["рабочий отравился сероводородом", "надышался парами растворителя", "угорел в гараже"],
        "en": ["he was overcome by fumes in the tank", "carbon monoxide poisoning in the garage", "asphyxiated in the silo"],
    },
    "fall_from_height": {
        "kk": ["монтажшы 6 метрден құлап түсті", "шатырдан құлады", "биіктіктен құлаған"],
        "ru": ["монтажник упал с лесов", "сорвался с крыши", "падение с высоты на стройке"],
        "en": ["a roofer fell from the roof", "he fell 12 feet off the platform", "fell through a skylight"],
    },
}


@pytest.mark.parametrize("rule,lang,text", [(rule, lang, text) for rule, by_lang in CASES.items()
                                            for lang, texts in by_lang.items() for text in texts])
def test_each_rule_fires_in_each_language(rule, lang, text):
    found = severity.assess(text)
    assert rule in [f["rule"] for f in found.fired], (rule, lang, text, found.fired)
    assert found.floor in ("high", "imminent")
    fired = next(f for f in found.fired if f["rule"] == rule)
    assert fired["words"] and fired["label"]  # what the officer is shown


def test_every_rule_is_covered_in_every_language():
    assert set(CASES) == {rule.code for rule in severity.RULES}
    for rule in severity.RULES:
        assert set(rule.patterns) == {"kk", "ru", "en"}
        assert all(len(CASES[rule.code][lang]) >= 2 for lang in ("kk", "ru", "en")), rule.code


@pytest.mark.parametrize("text", [
    "никто не погиб, но кожух надо поставить", "no one was killed but the guard is missing", "ешкім қаза тапқан жоқ",
    "my feet are killing me after the shift", "please kill the power before the repair", "he fell asleep at the wheel",
    "чуть не упал с лесов", "threatens to fire anyone who complains", "the fire exit is blocked by pallets",
    "предлагаю провести учебную пожарную тревогу", "өрт сөндіргіштер бос", "лампа не горит в коридоре",
    "dead pigeons in the ventilation ducts", "қолымыз апта сайын кесіледі", "ауысымнан кейін құлақ шыңылдайды",
    "зарплату задерживают третий месяц",
])
def test_look_alikes_and_negations_do_not_fire(text):
    assert severity.assess(text).fired == [], text


@pytest.mark.parametrize("text", [
    "пожар на складе, всё горит прямо сейчас", "в колодце человек без сознания, не отвечает",
    "a worker died here yesterday and the scaffold still has no guardrails", "траншея опырылды, адам әлі астында қалды",
    "he fell from the scaffold and the crew is back on it again today",
])
def test_danger_still_present_is_imminent(text):
    found = severity.assess(text)
    assert found.floor == "imminent" and found.present, (text, found)


@pytest.mark.parametrize("text", [
    "вчера рабочий погиб на месте, работы остановлены", "an employee's fingertip was amputated by the press",
    "кеше монтажшы шатырдан құлады, ауруханада",
])
def test_past_event_is_high_not_imminent(text):
    assert severity.assess(text).floor == "high", text


def test_rules_rarely_fire_on_calm_labelled_reports():
    """On the labelled set no report labelled normal or low sets off a rule."""
    calm = [row for row in load() if row["urgency"] in ("normal", "low")]
    fired = [row["text"] for row in calm if severity.assess(row["text"]).fired]
    assert fired == []


# A deadly hazard with nobody hurt yet, said to be there now: "danger_now". Someone in danger right now:
# "distress". Paraphrases written for these tests (not in any labelled, development or held-out set).
DANGER_NOW = {
    "kk": ["тиегіштің тежегіші істемейді, жүргізуші қазір цехта жүр", "монтажшылар белдіксіз шатырдың жиегінде қазір жүр",
           "станоктың қаптамасы алынған, қазір сол күйі жұмыс істеп жатыр", "сорғы бөлмесінде газ шығып жатыр әлі"],
    "ru": ["у погрузчика тормоза не работают, а он сейчас возит людей", "монтажники сейчас на краю без страховки",
           "с пилы сняли кожух и прямо сейчас на ней пилят", "до сих пор пахнет газом в котельной"],
    "en": ["the forklift has no brakes and it is running in the yard now", "crew working at the edge with no harness right now",
           "guard removed from the saw and they are still cutting", "live wires hanging in the corridor now"],
}
DISTRESS = {
    "kk": ["құдыққа түскен слесарь жауап бермей жатыр", "резервуарда адам бар, көмек керек"],
    "ru": ["в колодце слесарь не отвечает", "помогите в емкости человек", "хлор травит в насосной"],
    "en": ["the guy in the tank is not responding", "send help to pit 3", "we cant get him out of the hopper"],
}


@pytest.mark.parametrize("rule,lang,text", [("danger_now", lang, t) for lang, ts in DANGER_NOW.items() for t in ts]
                         + [("distress", lang, t) for lang, ts in DISTRESS.items() for t in ts])
def test_danger_present_now_is_imminent_in_each_language(rule, lang, text):
    found = severity.assess(text)
    assert rule in {f["rule"] for f in found.fired} and found.floor == "imminent", (lang, text, found)


@pytest.mark.parametrize("text", [
    "тиегіштің тежегіші істемейді", "у погрузчика тормоза не работают", "the forklift has no brakes",
    "надо бы купить страховочные пояса", "we need new harnesses, please order now",
])
def test_a_hazard_without_now_or_a_request_is_not_danger_now(text):
    assert "danger_now" not in {f["rule"] for f in severity.assess(text).fired}, text


@pytest.mark.parametrize("text", [
    "кеше монтажшы шатырдан құлап, ауруханаға жеткізілді", "оператор потерял сознание, его увезли на скорой",
    "a rigger fell 5 m yesterday and is in hospital", "the saw cut off his finger, machine is shut down now",
])
def test_an_accident_that_is_over_is_high_not_imminent(text):
    from qorgau.speaks import nlp

    found = severity.assess(text)
    assert found.floor == "high" and found.over, (text, found)
    verdict = nlp.triage(text)
    assert verdict.urgency == "high", (text, verdict.explanation)


@pytest.mark.parametrize("text", [
    "кеше леседен құлады, бүгін тағы сол лесада қоршаусыз жұмыс істеп жатыр",
    "вчера упал с лесов, в больнице, а леса до сих пор без ограждения",
    "he fell off the roof yesterday, went to hospital, and the crew is still up there without a harness",
])
def test_an_accident_that_is_over_but_the_danger_still_there_stays_imminent(text):
    from qorgau.speaks import nlp

    assert severity.assess(text).floor == "imminent", text
    assert nlp.triage(text).urgency == "imminent", text


# A serious injury or illness, or violence: at least high, never imminent by these rules alone.
# Paraphrases written for these tests (not in any labelled, development or held-out set).
SERIOUS_OR_VIOLENT = {
    "serious_injury": ["слесарьдің қабырғасы сынды, ауруханаға жатқызды", "Qol syndy, auruhanaga tusti",
                       "упаковщица сломала руку на складе", "маляра обожгло паром, он в реанимации",
                       "a welder broke his wrist on the stairs", "the cook burned her arm and was taken to hospital",
                       "medic got a needle stick from a used syringe"],
    "violence": ["күзетші пышақпен қорқытты", "грузчик пришел с ножом в раздевалку", "he threatened to shoot the shift boss"],
}


@pytest.mark.parametrize("rule,text", [(rule, t) for rule, ts in SERIOUS_OR_VIOLENT.items() for t in ts])
def test_serious_injury_and_violence_are_high(rule, text):
    found = severity.assess(text)
    assert rule in {f["rule"] for f in found.fired} and found.floor == "high", (text, found)


@pytest.mark.parametrize("text", ["маляра обожгло паром, он до сих пор в реанимации",
                                  "the man with the knife is still in the workshop"])
def test_serious_injury_or_violence_with_a_present_word_is_still_only_high(text):
    assert severity.assess(text).floor == "high", text


@pytest.mark.parametrize("lang,text", [
    ("kk", "блоктау датчигі ажыратылған, пресс дәл қазір жұмыс істеп жатыр"),
    ("kk", "kran astynda adamdar tur, strop jyrtylgan, qazir"),
    ("ru", "в окрасочной у людей голова кружится, а работы продолжают"),
    ("ru", "стропы порваны, груз над людьми, прям щас поднимают"),
    ("en", "the reverse alarm is broken and the dozer keeps working among the crew"),
    ("en", "gas detector keeps beeping in the pit and they are working rn"),
])
def test_more_present_cues_with_deadly_hazards_are_imminent(lang, text):
    found = severity.assess(text)
    assert found.floor == "imminent", (lang, text, found)


# Decision 0042: more deadly hazards (a damaged gas pipe, gas cylinders by a heat source, a gas or chlorine
# sensor sounding, unexploded ordnance, a tank overflowing or a vapour cloud, brakes failing, a machine that
# moves by itself) and more ways of saying the danger is still there (for an hour / since the morning, told
# to stay or keep working, nobody comes, people walking past). Paraphrases written for these tests (in none
# of the labelled, development or held-out sets), three languages each.
DANGER_NOW_0042 = {
    "gas_pipe": ["газ құбыры тесіліп қалған, жұмысшылар қасында жүреді", "газовая труба пробита у котельной, люди ходят рядом",
                 "the gas line behind the shop is damaged, workers walking past it all day"],
    "cylinders_by_heat": ["оттегі баллондары пештің жанында тұр, таңнан бері ешкім алмайды",
                          "баллоны с пропаном стоят рядом с печью с самого утра",
                          "acetylene cylinders next to the furnace since this morning"],
    "sensor_sounding": ["газ датчигі шыңғырып тұр, бастық жұмыс істей беріңдер дейді",
                        "датчики аммиака пищат уже час, мастер велел не уходить",
                        "the chlorine alarm is sounding and the supervisor says finish the shift"],
    "ordnance": ["карьерде снаряд табылды, адамдар қасынан жүреді", "в отвале нашли снаряд, никто не реагирует",
                 "found unexploded ordnance by the quarry road, nobody from security is coming"],
    "overflow_cloud": ["қышқыл ыдыстан төгіліп жатыр, әлі жұмыс істеп жатырмыз",
                       "кислота переливается из бака, облако пара, а нам сказали работать",
                       "caustic tank overflowing and a vapour cloud, crew still working"],
    "brakes_failing": ["самосвалдың тежегіші ұстамайды, бірақ әлі жүк тасып жүр", "у самосвала тормоза не держат, а он до сих пор возит",
                       "the dump truck brakes are failing and it is still hauling"],
    "moves_by_itself": ["пресс өздігінен іске қосылады, қазір де жұмыс істеп жатыр", "пресс включается сам, люди продолжают работать",
                        "the press cycles by itself and they keep running it"],
}


@pytest.mark.parametrize("hazard,text", [(h, t) for h, ts in DANGER_NOW_0042.items() for t in ts])
def test_new_deadly_hazards_with_the_danger_still_there_are_imminent(hazard, text):
    found = severity.assess(text)
    assert found.floor == "imminent" and found.present, (hazard, text, found)


@pytest.mark.parametrize("text", [
    "газ құбырын жөндеу керек", "газовую трубу надо покрасить", "the gas line needs a new coat of paint",
    "баллондарды басқа қоймаға апару керек", "предлагаю купить новые датчики газа", "please order new gas detectors",
])
def test_the_same_objects_without_a_danger_now_are_not_imminent(text):
    assert severity.assess(text).floor != "imminent", text


# A threat with a weapon, happening now: someone in danger now ("distress"), imminent by itself.
@pytest.mark.parametrize("text", [
    "бригадир пышақпен қуып жүр", "өлтіремін деп қорқытып жүр", "prorab pyshaqpen quyp jur",
    "охранник угрожает застрелить мастера", "пьяный с ножом бегает по цеху",
    "a worker is threatening to kill the foreman", "a man with a gun is in the canteen",
])
def test_a_weapon_threat_now_is_imminent(text):
    found = severity.assess(text)
    assert "distress" in {f["rule"] for f in found.fired} and found.floor == "imminent", (text, found)


@pytest.mark.parametrize("text", [
    "түнде қоймада өрт болды, екі күзетші уланды", "позавчера был взрыв в котельной, двое надышались дымом",
    "there was a fire overnight in the cable tunnel, two men overcome by smoke",
])
def test_a_fire_that_is_over_is_high_not_imminent(text):
    found = severity.assess(text)
    assert found.floor == "high" and found.over, (text, found)
