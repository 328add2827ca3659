"""Severity rules: a report that describes a death, an amputation, loss of consciousness, a fire or
explosion, a collapse or entrapment, electrocution, gas poisoning or a fall from height is at least `high`,
and `imminent` when the danger is still present (docs/speaks/triage.md, "Severity rules").

Each rule is a handful of regular expressions per language, written for morphology rather than for
words: Russian aspect and case ("погиб", "погибшего", "оторвало", "отрезало"), Kazakh suffixes and
compound verbs ("қаза тапты", "қаза болды", "қайтыс болды", Latin "qaza tapty"), English forms
("died", "killed", "fatally", "amputated"), and common misspellings ("пагиб", "ftally", "гарит").
A match right after a negation ("никто не погиб", "no one was killed") or before a Kazakh one
("қаза тапқан жоқ") does not count. The officer sees the rules that fired and the words they matched.

The rules are a floor under the category model and the lexicon, never a ceiling: they can only raise
the urgency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from qorgau.core.i18n_markers import N_

W = r"[\w'-]*"  # the rest of a word (inflected ending)
NEAR = r"(?:\s+[\w'-]+){0,3}\s+"  # up to three words in between
BODY_RU = r"(?:пал[ье]ц|пальц|кист|рук|ног|фаланг|ступн|глаз)" + W
BODY_KK = r"(?:саусақ|саусағ|бармақ|бармағ|қол|аяқ|аяғ|башпай|көз|sausa[qg]|barma[qg])" + W
BODY_EN = r"(?:fingers?|fingertips?|thumbs?|hands?|arms?|legs?|toes?|foot|feet|eyes?)\b"


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    patterns: dict[str, tuple[str, ...]]  # language -> regular expressions on the normalised text
    exclude: tuple[str, ...] = ()  # phrases that look like the rule but are not ("killing me")


RULES: tuple[Rule, ...] = (
    Rule("death", N_("Death"), {
        "ru": (r"п[ао]гиб" + W, r"ск[ао]нчал" + W, r"\bумер(?:ла|ли)?\b", r"умира" + W, r"\bсмерт(?!ельно опасн)" + W,
               r"насмерть", r"летальн" + W, r"\bтруп" + W, r"\bмертв" + W, r"\bубил[оаи]?\b", r"\bубит" + W),
        "kk": (r"қаза\s+(?:тап|бол)" + W, r"қайтыс\s+бол" + W, r"көз\s+жұм" + W, r"\bөл(?:ді|іп|ген|ім|іпті)" + W,
               r"мерт\s+бол" + W, r"qaza\s+(?:tap|bol)" + W, r"qa[iı]t[yı]s\s+bol" + W),
        "en": (r"\bdie[ds]?\b", r"\bdead\b", r"\bdeaths?\b", r"\bkill(?:ed|ing|s)?\b", r"\bfatal(?:ly|ity|ities)?\b",
               r"\bftally\b", r"\bdeceased\b", r"passed away", r"lost (?:his|her|their) li(?:fe|ves)"),
    }, exclude=(r"(?:dead|өлген|мертв\w*|дохл\w*)\s+(?:pigeons?|birds?|rats?|mice|animals?|көгершін\w*|құс\w*|егеуқұйрық\w*|"
                r"тышқан\w*|голуб\w*|птиц\w*|крыс\w*|мыш\w*)", r"half dead", r"killing me", r"kill(?:ed|s)? (?:the )?(?:power|switch|engine|breaker|lights?)", r"kill switch",
                r"dead ?(?:end|line|battery|bolt)", r"death ?trap", r"\bdeadlines?\b", r"\bfatal error")),
    Rule("amputation", N_("Amputation"), {
        "ru": (r"ампут" + W, r"(?:отрез|оторв|отруб|отсек|откус|отхват|раздроб)" + W + NEAR.replace("{0,3}", "{0,2}")
               + BODY_RU, BODY_RU + NEAR.replace("{0,3}", "{0,2}") + r"(?:отрез|оторв|отруб|отсек|отхват)" + W,
               r"лишил" + W + r"\s+(?:\w+\s+)?" + BODY_RU),
        "kk": (r"ампут" + W, BODY_KK + NEAR.replace("{0,3}", "{0,2}")
               + r"(?:кесіп\s+кет|кесіліп\s+түс|жұлып\s+кет|жұлынып|үзіп\s+кет|үзіліп\s+түс|kesip\s+ket)" + W),
        "en": (r"amput" + W, r"\bsever(?:ed|ing)\b", r"\bdegloved\b",
               r"(?:lost|cut off|sliced off|chopped off|tore off|ripped off)" + NEAR.replace("{0,3}", "{0,2}") + BODY_EN,
               r"(?:lost|cut off|sliced off|chopped off|tore off|ripped off)\s+" + BODY_EN,
               BODY_EN + r"\s+(?:was |were )?(?:cut|torn|ripped|sliced|chopped) off"),
    }),
    Rule("unconscious", N_("Loss of consciousness"), {
        "ru": (r"потерял" + W + r"\s+сознани" + W, r"без\s+сознани" + W, r"обморо" + W, r"не\s+дышит",
               r"в\s+себя\s+не\s+приход" + W, r"откачива" + W, r"отключил(?:ся|ась)\b"),
        "kk": (r"ес(?:інен|тен)\s+тан" + W, r"ес-түссіз", r"есін\s+жоғалт" + W, r"талып\s+(?:қал|құла|түс)" + W,
               r"дем\s+алмай" + W, r"esinen\s+tan" + W),
        "en": (r"unconscious", r"passed out", r"blacked out", r"\bfaint(?:ed|s)?\b", r"lost consciousness",
               r"unresponsive", r"not breathing", r"\bcollapsed\b(?! (?:trench|roof|wall|scaffold|floor))"),
    }),
    Rule("fire_explosion", N_("Fire or explosion"), {
        "ru": (r"п[ао]жар(?!н)" + W, r"возгоран" + W, r"загорел" + W, r"\bгорит\b", r"\bгорел" + W, r"\bгарит\b",
               r"взрыв" + W, r"взорв" + W, r"\bхлопок\b", r"\bпламя\b", r"вспыхнул" + W),
        "kk": (r"\bөрт(?!\s+(?:сөндіргіш|дабыл|қауіпсіздіг))" + W, r"жарылыс" + W, r"жарылды", r"жарылып",
               r"жанып\s+(?:жатыр|кетті|кеткен|тұр)", r"от\s+алды", r"тұтан" + W, r"\bört\b" + W),
        "en": (r"\bfires?\b(?!\s+(?:drills?|exits?|doors?|extinguishers?|alarms?|escapes?|safety|hazards?|codes?|marshal))",
               r"\bon fire\b", r"caught fire", r"\bburning\b", r"\bflames?\b", r"explo(?:ded|sion|sions|de|des)\b",
               r"\bblast\b"),
    }, exclude=(r"(?:to|will|gonna|would|threat\w* to|going to) fire\b", r"\bfire (?:him|her|me|us|them|anyone|people|everyone|workers)\b",
                r"\bfired\b")),
    Rule("collapse_entrapment", N_("Collapse or entrapment"), {
        "ru": (r"обруш" + W, r"обвал" + W, r"\bзавал(?!\w* работ)" + W, r"засыпал" + W + r"\s+(?:землей|грунтом|породой)",
               r"придавил" + W, r"зажал" + W, r"зажат" + W, r"защемил" + W, r"раздавил" + W, r"задавил" + W,
               r"застрял" + W, r"\bзаперт" + W, r"затянул" + W + r"\s+в", r"затянуло", r"засасыва" + W, r"\bзавяз" + W),
        "kk": (r"опырыл" + W, r"астында\s+қал" + W, r"қысылып\s+қал" + W, r"басып\s+қал" + W, r"тартып\s+(?:кет|бар)" + W,
               r"батып\s+қал" + W, r"қамалып\s+қал" + W, r"үйіндіде"),
        "en": (r"collaps(?:e|ed|es|ing)\b", r"caved? in", r"cave-in", r"\btrapped\b", r"\bpinned\b", r"\bcrush(?:ed|ing)\b",
               r"\bburied\b", r"\bengulfed\b", r"\bentangled\b", r"caught (?:in|between|under)\b", r"pulled into",
               r"stuck (?:in|inside|under|up to)\b", r"\b(?:run|ran) over\b"),
    }),
    Rule("electrocution", N_("Electrocution"), {
        "ru": (r"удар" + W + r"\s+током", r"током\s+(?:\w+\s+)?(?:удар|убил|шибан|дерн|тряхн|пораз)" + W,
               r"(?:шибанул|дернул|тряхнул)" + W + r"\s+(?:\w+\s+)?током", r"электротравм" + W, r"поражени" + W + r"\s+(?:\w+\s+)?током"),
        "kk": (r"ток\s+(?:соқ|соғ|ұр)" + W, r"тогы\s+(?:соқ|соғ)" + W, r"tok\s+so[qg]" + W),
        "en": (r"electrocut" + W, r"electric(?:al)? shock", r"\bzapped\b", r"\bshocked\b", r"(?:got|get|received) a shock"),
    }),
    Rule("gas_poisoning", N_("Poisoning by gas"), {
        "ru": (r"отрав" + W, r"надыша" + W, r"\bуг[ао]р" + W, r"задохн" + W, r"задыха" + W, r"удушь" + W, r"асфикс" + W,
               r"(?:газ|аммиак|хлор|сероводород|угарн" + W + r")\s+(?:\w+\s+)?трав" + W),
        "kk": (r"улан(?:ып|ды|ған|у)" + W, r"тұншы[қғ]" + W, r"ulan(?:yp|dy)" + W),
        "en": (r"poison" + W, r"overcome by", r"asphyxi" + W, r"ashyxi" + W, r"carbon monoxide", r"hydrogen sulfide",
               r"\bh2s\b", r"suffocat" + W),
    }),
    Rule("fall_from_height", N_("Fall from height"), {
        "ru": (r"(?:упал|сорвал|свалил|падени|выпал|слетел)" + W + r"\s+(?:\w+\s+)?(?:с|со)\s+(?!ног\b)", r"с\s+высоты",
               r"разбил(?:ся|ась)\b"),
        "kk": (r"\w+(?:дан|ден|тан|тен|нан|нен)\s+(?:\S+\s+){0,3}құла(?:п|ды|ған|у|йды)\b", r"биіктіктен",
               r"\w+(?:dan|den|tan|ten)\s+qula(?:p|dy|gan)\b"),
        "en": (r"\bf[ae]ll(?:s|ing)?\s+(?:about\s+|approximately\s+|nearly\s+|some\s+)?\d+", r"\bf[ae]ll(?:s|ing)?\s+(?:from|off|through|into|down)\b",
               r"\bf[ae]ll(?:s|ing)?\s+\w+\s+(?:from|off|through)\b", r"fall from height"),
    }),
)

# The danger is still there: now, still, again, ongoing, people inside, nobody stopped it.
PRESENT = {
    "ru": (r"\b(?:прямо\s+)?(?:сейчас|щас|счас)\b", r"до сих пор", r"все еще", r"\bеще\s+(?:внутри|там|горит)",
           r"\bопять\b", r"\bснова\b", r"продолжа" + W, r"так и работа" + W, r"не\s+(?:останов|отключ|сняли|убрали)" + W,
           r"\bсрочно\b", r"помогите", r"\bбегом\b", r"\bгорит\b", r"\bгарит\b", r"не\s+(?:дышит|отвечает|отвечают)",
           r"засасыва" + W, r"сыпется", r"там\s+(?:человек|люди)", r"люди\s+(?:еще\s+)?внутри",
           r"\bпрям\b", r"\bвсе\s+равно\s+работа" + W, r"работа\w*\s+пока\s+не", r"(?:люди|рабочие)\s+(?:\w+\s+)?работают",
           r"не\s+(?:выключ|обесточ|закрыл|перекрыл)" + W,
           # ongoing for a while, told to stay, nobody coming, people exposed as a habit
           r"уже\s+(?:(?:целый|второй|третий|пол|\d+)\s*)?час" + W, r"с\s+(?:самого\s+)?утра", r"не\s+уход(?:ить|ите|им)\b",
           r"(?:сказал|велел|говорит|требует)\w*\s+(?:\w+\s+)?(?:работа(?:йте|ть)|не\s+уходить|продолжа|доработа)" + W,
           r"(?:никто|ни\s+кто)\s+не\s+(?:реагиру|приход|прид|ид[её]т|едет)" + W, r"не\s+реагиру" + W,
           r"(?:люди|дети|рабочие|работники)\s+(?:\w+\s+){0,2}(?:ходят|ходит|бегают|стоят)\b"),
    "kk": (r"\bқазір\b", r"\bәлі\b", r"қайтадан", r"\bтағы\b", r"жалғастыр" + W, r"\bшұғыл\b", r"көмектесің" + W,
           r"жанып\s+(?:жатыр|тұр)", r"жауап\s+бермей\s+(?:жатыр|тұр)", r"ағып\s+(?:жатыр|тұр)", r"тартып\s+барады",
           r"\bqazir\b", r"\báli\b", r"\bali\b", r"дәл\s+қазір", r"тоқтатпа" + W, r"жұмыс\s+істеп\s+(?:жатыр|жүр|тұр)" + W,
           r"toqtatpa" + W, r"zhumys\s+istep\s+(?:jatyr|zhatyr)", r"әлі\s+де", r"жалғасып\s+жатыр",
           r"таңнан\s+бері", r"tannan\s+beri", r"(?:сағат|күн)\s+бойы", r"ешкім\s+(?:\S+\s+)?(?:алмайды|келмейді|"
           r"тоқтатпайды|қарамайды)", r"(?:адамдар|жұмысшылар|балалар)\s+(?:\S+\s+){0,2}(?:жүреді|жүр|тұрады|жүгіреді)\b",
           r"(?:adamdar|jumysshylar|zhumysshylar)\s+(?:\S+\s+){0,2}(?:juredi|zhuredi|jur|turady)\b",
           r"істей\s+беріңдер", r"жұмыс\s+істей\s+бер" + W),
    "en": (r"\bnow\b", r"\bstill\b(?!\s+(?:in\s+(?:the\s+)?hospital|recovering|off work|on leave))", r"\bagain\b",
           r"\bongoing\b", r"continu" + W, r"\basap\b", r"\bhelp\b", r"\burgent\b", r"back (?:up )?on it",
           r"is burning", r"(?:is|are) trapped", r"(?:isn't|isnt|is not) (?:answering|breathing)", r"\brn\b",
           r"\bcurrently\b", r"keeps?\s+(?:on\s+)?(?:working|running|going)", r"(?:it's|its|it is|is|are|they're)\s+"
           r"(?:still\s+)?(?:working|running|operating)\b", r"(?:not|never|hasn't|haven't|wasn't)\s+(?:been\s+)?"
           r"(?:stopped|shut down|switched off|fixed)", r"told (?:us|me|them) to keep",
           r"finish (?:the|your|our) shift", r"carry on", r"since (?:this )?morning", r"getting (?:stronger|worse|bigger)",
           r"nobody\s+(?:\S+\s+){0,3}(?:coming|came|responding|responds|listens)", r"\bon site now\b",
           r"(?:people|workers|kids|children|crews?)\s+(?:\S+\s+){0,2}(?:walk|walking|pass|passing|work|working)\s+"
           r"(?:by|past|next to|near|under|around)"),
}
# A condition that can kill when someone is exposed to it now: a safeguard missing or defeated (brakes,
# fall protection, a machine guard, a gas test), live conductors, a gas leak, a load over people, a
# failing structure. With a PRESENT word it makes a report imminent (rule "danger_now") even though no
# one has been hurt yet.
HAZARDS = {
    "ru": (r"без\s+(?:тормоз|страховк|страховоч|пояс|ограждени|кожух|защитн\w*\s+кожух|газоанализатор|противогаз|"
           r"наряд|каски\s+на\s+высот)" + W, r"тормоз\w*\s+(?:не\s+работа|отказал|нет)" + W,
           r"(?:сняли|снят|снята|сняты|нет|убрали)\s+(?:\w+\s+)?(?:кожух|ограждени|блокировк|защит|перил)" + W,
           r"закоротил" + W, r"под\s+напряжени" + W, r"оголенн" + W, r"(?:утечк|запах|пахнет|воняет)\w*\s+(?:\w+\s+)?"
           r"(?:газ|аммиак|хлор|сероводород)" + W, r"на\s+(?:самом\s+)?краю", r"груз\w*\s+(?:\w+\s+)?над\s+(?:людьми|"
           r"головами|рабочими)", r"(?:стен|потол|перекрыти|крыш|балк)\w*\s+(?:\w+\s+)?(?:трещ|прогиб|накрен|"
           r"шатается|сыплет)" + W, r"голов\w*\s+(?:\w+\s+)?кружит" + W, r"(?:строп|трос|канат)\w*\s+(?:\w+\s+)?(?:порван|рвет|"
           r"перетер|лопа)" + W, r"под\s+(?:грузом|стрелой)", r"(?:вот-вот|может)\s+(?:упа[сд]|рухн|обвал|обруш)" + W,
           r"(?:блокировк|концевик|датчик)\w*\s+(?:\w+\s+)?(?:отключ|замкн|обход|перемкн)" + W,
           r"(?:газоанализатор|датчик\s+газа)\w*\s+(?:\w+\s+)?(?:пищит|сработал|орет|звенит)" + W,
           r"(?:задн\w+\s+ход\w*|сигнал)\w*\s+(?:не\s+работает|без\s+сигнал)" + W, r"без\s+сигнала",
           r"(?:газопровод|газов\w*\s+труб|труб\w*\s+газ)\w*\s+(?:\w+\s+)?(?:пробит|поврежд|течет|травит|свищ|лопну)" + W,
           r"баллон\w*\s+(?:\w+\s+){0,3}(?:рядом|возле|около|у)\s+(?:\w+\s+)?(?:печ|огн|горелк|сварк|нагревател|костр)" + W,
           r"(?:датчик|газоанализатор|сигнализатор)\w*\s+(?:\w+\s+){0,2}(?:пищ|сработал|орут|орет|звен|воют)" + W,
           r"\bснаряд" + W, r"боеприпас" + W, r"\bгранат" + W, r"неразорвав" + W,
           r"перелива" + W, r"облак\w*\s+(?:\w+\s+)?(?:пар|газ|дым)" + W, r"пары\s+(?:\w+\s+)?сто[яи]т",
           r"тормоз\w*\s+(?:\w+\s+)?(?:отказыва|не\s+держ|слаб)" + W,
           r"(?:пада\w*|включа\w*|запуска\w*|срабатыва\w*)\s+сам" + W),
    "kk": (r"(?:белдік|белбеу|belbeu|сақтандыр|қоршау|қаптама|тежегіш|tejegish|tejegіsh)\w*(?:сыз|сіз|syz|siz)\b",
           r"(?:тежегіш|қаптама|қоршау|белдік|газ\s+өлшегіш|tejegish|qorshau|qaptama)\w*\s+(?:жоқ|joq|істемей|"
           r"iste(?:mei|mey)|алынған|алып\s+таста)" + W, r"жиегінде|жиекте|j[ıi]ekte", r"газ\s+(?:шығып|ағып)" + W,
           r"кернеу\w*\s+астында", r"жалаңаш\s+сым" + W, r"(?:сым|кабель)\w*\s+жалаңаш", r"жүк\w*\s+(?:\w+\s+)?"
           r"(?:адамдардың|адамдар)\s+(?:үстінде|үстінен)", r"(?:қабырға|төбе|шатыр)\w*\s+(?:\w+\s+)?(?:жарыл|иіл|"
           r"сырыл|қисай)" + W, r"(?:кран|жүк|kran|zh[uü]k|j[uü]k)\w*\s+(?:\S+\s+)?(?:астында|ast[yı]nda)",
           r"(?:строп|трос|strop)\w*\s+(?:\S+\s+)?(?:жыртыл|үзіл|zh?[yı]rt[yı]l|j[yı]rt[yı]l)" + W,
           r"құла(?:йды|уы\s+мүмкін|ғалы\s+тұр)", r"qula(?:[iy]dy|uy\s+mumkin)", r"бас\w*\s+айнал" + W,
           r"(?:газ|gaz)\s+(?:бар|шықты|bar)", r"(?:газ\s+)?(?:датчи[кг]|анализатор)\w*\s+(?:\w+\s+)?(?:шыңғыр|дабыл|сигнал\s+бер)" + W,
           r"өздігінен\s+(?:іске\s+)?(?:қосыл|түс|жүр|іске\s+қосыл|qosyl)" + W,
           r"(?:блоктау|блокировка|датчик)\w*\s+(?:\S+\s+)?(?:ажыратыл|өшіріл|алынып)" + W,
           r"тежегіш\w*\s+(?:\S+\s+)?(?:істемей|ұстамай|жоқ)" + W,
           r"(?:газ\s+құбыр|gaz\s+qubyr|құбыр)\w*\s+(?:\S+\s+)?(?:тесіл|жарыл|tesil|zharyl|jaryl)" + W,
           r"газ\s+иіс" + W, r"gaz\s+iis" + W, r"баллон\w*\s+(?:\S+\s+){0,3}(?:қасында|жанында|janynda|qasynda|zhanynda)",
           r"\bснаряд" + W, r"\bsnaryad" + W, r"төгіліп\s+(?:жатыр|тұр)"),
    "en": (r"\bno\s+(?:brakes?|harness(?:es)?|guard(?:rail)?s?|railings?|handrails?|fall protection|tie[- ]?off|"
           r"lockout|gas (?:test|detector))\b", r"without\s+(?:a\s+|any\s+)?(?:harness|brakes?|guard|gas (?:detector|"
           r"test|monitor)|air|mask|respirator|tie[- ]?off|lockout|permit)", r"brakes?\s+(?:are\s+|is\s+)?(?:out|gone|"
           r"dead|failed|shot|not working|(?:don't|dont|do not) work)", r"guards?\s+(?:is\s+|are\s+|was\s+|were\s+)?"
           r"(?:removed|off|missing|taped|bypassed|disabled|gone)", r"(?:taped|wired|tied|propped)\s+(?:open|down|shut)",
           r"\blive\s+(?:wires?|cables?|panels?|lines?)", r"exposed\s+(?:wires?|cables?|live)", r"gas\s+leak" + W,
           r"smells?\s+(?:of|like)\s+gas", r"at\s+the\s+(?:very\s+)?edge", r"over\s+(?:people|workers|the crew|"
           r"our heads|their heads)", r"\b(?:bulging|leaning|sagging)\b", r"\bdizzy\b", r"light-?headed",
           r"(?:reversing|backup|back-up|reverse)\s+(?:alarm|beeper|horn|signal)s?\s+(?:is\s+|are\s+)?(?:dead|broken|"
           r"out|not working|missing)", r"backing up blind", r"(?:sling|chain|rope|cable)s?\s+(?:is\s+|are\s+)?(?:frayed|"
           r"torn|snapping)", r"under\s+(?:the\s+|a\s+)?(?:suspended\s+)?(?:load|crane|boom)", r"(?:about to|going to|gonna|"
           r"could|might)\s+(?:fall|collapse|give way|blow|explode)", r"(?:gas|h2s|co|chlorine|ammonia|oxygen|o2|lel)\s+(?:alarm|detector|monitor|sensor)s?\s+"
           r"(?:is\s+|are\s+|keeps?\s+)?(?:going off|beeping|ringing|sounding)", r"interlocks?\s+(?:is\s+|are\s+|was\s+)?"
           r"(?:bypassed|jumpered|disabled|taped|off)", r"(?:bypassed|jumpered|disabled)\s+(?:the\s+)?(?:interlock|"
           r"guard|sensor|light curtain|e-?stop)", r"\blive\s+(?:\S+\s+){0,2}(?:wires?|cables?|lines?|conductors?)",
           r"\b\d+\s*kv\b", r"\bgas\s+(?:smell|odou?r)", r"gas\s+(?:lines?|pipes?|pipelines?|mains?)\s+(?:\S+\s+){0,4}"
           r"(?:damaged|cracked|broken|ruptured|punctured|hit|leaking)", r"cylinders?\s+(?:\S+\s+){0,3}(?:next to|near|beside|by)\s+"
           r"(?:the\s+)?(?:furnace|stove|heater|fire|flames?|burner|welding|oven)", r"overflow" + W,
           r"(?:vapou?r|toxic|gas|chemical|ammonia|chlorine)\s+cloud", r"unexploded", r"\bordnance\b", r"\bgrenade",
           r"brakes?\s+(?:are\s+|is\s+)?(?:failing|fading|gone soft|slipping)",
           r"(?:drops?|falls?|starts?|cycles?|moves?)\s+(?:by|on)\s+(?:itself|its own)"),
}
# Someone in danger right now (present by its grammar): not answering, not breathing, a call for help,
# gas escaping ("аммиак травит"). Rule "distress": imminent by itself.
DISTRESS = {
    "ru": (r"не\s+(?:отвечает|отвечают|отзывается|дышит|выходит\s+на\s+связь)", r"помогите",
           r"(?:газ|аммиак|хлор|сероводород)\w*\s+(?:\w+\s+)?травит", r"задыхают" + W,
           r"угрожа(?:ет|ют)\s+(?:\w+\s+)?(?:убить|зарезать|застрелить|пристрелить)",
           r"(?:с|со)\s+(?:ножом|пистолетом|ружьем|топором)\s+(?:\w+\s+)?(?:ходит|бегает|стоит|кидается|гоняется)"),
    "kk": (r"жауап\s+(?:бермей|қатпай)" + W, r"көмек\s+керек", r"құтқарың" + W, r"дем\s+алмай\s+(?:жатыр|тұр)",
           r"jauap\s+bermei" + W, r"komek\s+kerek",
           r"(?:өлтіремін|атамын|соямын)\s+(?:деп\s+)?(?:жүр|тұр|қорқыт)" + W,
           r"(?:пышақпен|мылтықпен|балтамен)\s+(?:\S+\s+)?(?:жүр|тұр|қуып|ұмтыл)" + W,
           r"(?:pyshaqpen|myltyqpen|baltamen)\s+(?:\S+\s+)?(?:jur|zhur|tur|quyp|qui?p)" + W),
    "en": (r"(?:isn't|isnt|is not|aren't|arent|are not|not)\s+(?:answering|responding|breathing)", r"send help",
           r"\bhelp\s+(?:now|asap|us|him|her)\b", r"(?:can't|cant|cannot)\s+get\s+(?:him|her|them)\s+out",
           r"(?:is|are|keeps?)\s+threatening\s+to\s+(?:kill|shoot|stab)", r"(?:has|have|with)\s+a\s+(?:gun|knife|rifle|weapon)\b"
           r"(?!\s+(?:license|licence|permit))"),
}
# The accident is over: the victim taken away or treated, the machine stopped, the day past. A report with
# an accident rule, no PRESENT word and one of these is `high`, not `imminent` (nlp lowers a model's or
# the lexicon's imminent; the officer sees why).
AFTERMATH = {
    "ru": (r"в\s+больниц" + W, r"увезл" + W, r"\bскор(?:ой|ая|ую)\b", r"госпитализ" + W, r"травматолог" + W,
           r"медпункт" + W, r"\bвчера\b", r"позавчера", r"на\s+днях", r"\bночью\s+был" + W,
           r"на\s+прошлой\s+неделе", r"остановил" + W, r"отключил" + W, r"обесточ" + W, r"вытащил" + W,
           r"реанимац" + W),
    "kk": (r"аурухана" + W, r"жедел\s+жәрдем" + W, r"медпункт" + W, r"травматолог" + W, r"\bкеше\b", r"тоқтатыл" + W,
           r"реанимац" + W, r"\bkeshe\b", r"auruhana" + W, r"өткен\s+аптада",
           r"\bтүнде\s+(?:\S+\s+){0,3}(?:болды|болған)"),
    "en": (r"hospital" + W, r"ambulance", r"\ber\b", r"\bclinic\b", r"\byesterday\b", r"last (?:night|week)",
           r"shut (?:down|off)", r"locked out", r"rescued", r"(?:got|pulled|dragged) (?:him|her|them) out", r"the other day",
           r"\bovernight\b"),
}
# An injury or illness serious enough for hospital: a fracture, a burn, intensive care, surgery, heatstroke,
# a dangerous infection. Rule "serious_injury": at least `high`, never `imminent` by itself (the victim is
# being treated; a present hazard makes it imminent only through the rules above).
SERIOUS = {
    "ru": (r"реанимац" + W, r"перелом" + W, r"сломал" + W + r"\s+(?:\w+\s+)?(?:рук|ног|ребр|позвоно|кост|ключиц|таз|челюст|спин)" + W,
           r"(?:рук|ног|ребр|позвоно|кост|ключиц|спин)\w*\s+(?:\w+\s+)?сломал" + W, r"обожгл" + W, r"ожог" + W,
           r"тепл[оа]в\w*\s+удар" + W, r"солнечн\w*\s+удар" + W, r"госпитализ" + W, r"увезл\w*\s+(?:на\s+скорой|в\s+больниц)" + W,
           r"операци\w*\s+(?:на|по)", r"(?:сделали|делали)\s+операци" + W, r"прооперир" + W, r"сотрясени" + W, r"бруцелл" + W, r"сибирск\w*\s+язв" + W,
           r"туберкул" + W, r"укол\w*\s+(?:\w+\s+)?игл" + W, r"лишил\w*\s+глаз" + W),
    "kk": (r"реанимац" + W, r"(?:сүйег|сүйек|қабырға|қол|аяқ|аяғ|омыртқа|бел|бас|саусақ|саусағ|бармақ|бармағ|aiag|ayag|aiaq|qol)\w*\s+(?:\S+\s+)?(?:сынды|сындырды|сынып)" + W,
           r"сындырып\s+алды", r"күйіп\s+(?:қалды|кетті)" + W, r"күйік" + W, r"ауруханаға\s+(?:түсті|жеткізді|апарды|жатқыз)" + W,
           r"ыстық\s+өт" + W, r"сібір\s+жара" + W, r"бруцелл" + W, r"туберкул" + W, r"жарақат\s+ал" + W, r"жараланды", r"(?:операция|ота)\s+жаса" + W, r"инеге\s+шаншыл" + W,
           r"(?:syndy|syndyrdy|kuiip\s+qaldy|auruhana[gq]a\s+tusti)" + W),
    "en": (r"\bicu\b", r"intensive care", r"surgery", r"\bfractur" + W, r"\bbroken?\s+(?:his\s+|her\s+|their\s+|my\s+)?"
           r"(?:back|neck|legs?|arms?|ribs?|pelvis|skull|hip|jaw|wrist|ankle)\b", r"\bbroke\s+(?:his|her|their|my)\s+\w+",
           r"\bburn(?:ed|t|s)\b(?!\s+out)", r"heat\s*stroke", r"hospitali[sz]" + W, r"(?:went|taken|rushed|sent|admitted|"
           r"airlifted)\s+to\s+(?:the\s+)?(?:er|hospital|icu|emergency)\b", r"\bconcussion\b", r"\bstitches\b",
           r"anthrax", r"brucell" + W, r"tubercul" + W, r"stuck with a (?:used\s+|dirty\s+)?needle", r"needle[- ]?stick",
           r"lost (?:the|his|her|an|one) eye"),
}
# Violence or a threat with a weapon. Rule "violence": at least `high`.
VIOLENCE = {
    "ru": (r"\bнож(?:ом|ами|и|ей)?\b", r"пистолет" + W, r"ружь" + W, r"угрожал\w*\s+(?:убить|зарезать|застрелить)",
           r"избил" + W, r"\bударил\w*\s+(?:\w+\s+)?(?:рабоч|мастер|сотрудник|коллег|парн|женщин|его|ее|меня|по\s+лицу)" + W),
    "kk": (r"пышақ" + W, r"мылтық" + W, r"өлтіремін", r"өлтіру\w*\s+қорқыт" + W, r"соққыға\s+жық" + W, r"ұрып\s+(?:жіберді|кетті|тастады)", r"\w+(?:ны|ні|ды|ді|ты|ті)\s+ұрды\b",
           r"pyshaq" + W),
    "en": (r"\bknife\b", r"\bknives\b", r"\bgun\b", r"\bshoot\b", r"\bstab(?:bed)?\b", r"\bpunched\b", r"\bbeat (?:him|her|up)\b",
           r"threaten\w*\s+to\s+(?:kill|shoot|stab)"),
}
# "shut down now": the danger is over, not present.
NOT_PRESENT = re.compile(r"(?:shut (?:down|off)|stopped|switched off|turned off|locked out|fenced off)\s+now\b")
NEGATION_BEFORE = re.compile(r"(?:\bне|\bни|никто(?: не)?|\bnot|\bnever|\bnobody|\bno one|\bno-one|\bnoone|\bnone|n't)"
                             r"(?:\s+(?:was|were|got|has been|have been|is|been|был|была|были))?\s+$")
NEGATION_AFTER = re.compile(r"^\S*\s*(?:жоқ|емес)\b|^\w*(?:мады|меді|бады|беді|пады|педі)\b")


def normalise(text: str) -> str:
    text = text.lower().replace("ё", "е").replace("’", "'")
    return re.sub(r"\s+", " ", re.sub(r"[^\w'\- ]", " ", text)).strip()


@cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _matches(patterns, text: str) -> list[re.Match]:
    found = []
    for pattern in patterns:
        for match in _compiled(pattern).finditer(text):
            before, after = text[max(0, match.start() - 24):match.start()], text[match.end():match.end() + 20]
            if not NEGATION_BEFORE.search(before) and not NEGATION_AFTER.search(after):
                found.append(match)
    return found


@dataclass
class Assessment:
    floor: str | None  # "imminent", "high" or None when no rule fired
    fired: list[dict]  # [{"rule", "label", "words"}], shown to the officer
    present: list[str]  # the words saying the danger is still there
    over: list[str] = field(default_factory=list)  # an accident rule fired, nothing present, and it is over

    def as_dict(self) -> dict:
        return {"floor": self.floor, "rules": self.fired, "present_words": self.present, "over_words": self.over}


@lru_cache(maxsize=4096)
def assess(text: str) -> Assessment:
    """The severity rules that fire on `text`, and the urgency floor they set.

    Cached per text: one triage asks it three times (category features, imminent features, the floor);
    treat the result as read-only."""
    normal = normalise(text)
    fired = []
    for rule in RULES:
        if any(_compiled(p).search(normal) for p in rule.exclude):
            cleaned = normal
            for p in rule.exclude:
                cleaned = _compiled(p).sub(" ", cleaned)
        else:
            cleaned = normal
        words = sorted({m.group(0).strip() for lang in rule.patterns for m in _matches(rule.patterns[lang], cleaned)})
        if words:
            fired.append({"rule": rule.code, "label": rule.label, "words": words[:4]})
    present = _found(PRESENT, NOT_PRESENT.sub(" ", normal))
    distress = _found(DISTRESS, normal)
    hazards = _found(HAZARDS, normal) if present else []
    if distress:
        fired.append({"rule": "distress", "label": DISTRESS_LABEL, "words": distress[:4]})
    if hazards:
        fired.append({"rule": "danger_now", "label": DANGER_NOW_LABEL, "words": hazards[:4]})
    deadly = bool(fired)  # a rule that, with the danger still there, makes a report imminent
    for code, label, patterns in (("serious_injury", SERIOUS_LABEL, SERIOUS), ("violence", VIOLENCE_LABEL, VIOLENCE)):
        words = _found(patterns, normal)
        if words:
            fired.append({"rule": code, "label": label, "words": words[:4]})
    if not fired:
        return Assessment(None, [], [])
    present = sorted(set(present) | set(distress))
    over = [] if present else _found(AFTERMATH, normal)
    return Assessment("imminent" if present and deadly else "high", fired, present[:4], over[:4])


DISTRESS_LABEL = N_("Someone in danger now")
DANGER_NOW_LABEL = N_("Deadly hazard present now")
SERIOUS_LABEL = N_("Serious injury or illness")
VIOLENCE_LABEL = N_("Violence or a threat with a weapon")
EXTRA_RULES = ("distress", "danger_now", "serious_injury", "violence")  # fired beside RULES; not features of the category model


def _found(patterns: dict[str, tuple[str, ...]], normal: str) -> list[str]:
    return sorted({m.group(0).strip() for lang in patterns for m in _matches(patterns[lang], normal)})
