"""Personal data in Russian, Kazakh and English free text: IINs (valid check digit only), Kazakhstan
phone numbers, e-mail addresses and person names (full names, surname with initials, role + surname)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from qorgau.registry.identifiers import is_valid_iin

PLACEHOLDERS = {"person": "[ФИО]", "iin": "[ИИН]", "phone": "[ТЕЛЕФОН]", "email": "[EMAIL]"}

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")
PHONE_CANDIDATE = re.compile(r"(?<![\w+])\+?[78]?[\s\-]?\(?\d{3,4}\)?(?:[\s\-]?\d){6,7}(?!\d)")
UPPER = "А-ЯЁӘҒҚҢӨҰҮҺІA-Z"
LOWER = "а-яёәғқңөұүһіa-z"
WORD = rf"[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?"
# An initial: one capital, or a Latin digraph for a Cyrillic letter ("Zh.", "Sh.", "Ch.", "Kh.").
INITIAL = rf"(?<!\w)(?:[{UPPER}]|[ZSCK]h)\.\s?"
SURNAME_ENDINGS = ("ов", "ова", "ев", "ева", "ёв", "ёва", "ин", "ина", "ын", "ына", "ский", "ская", "цкий", "цкая",
                   "баев", "баева", "беков", "бекова", "ұлы", "қызы", "улы", "кызы", "енко", "ук", "юк", "ич",
                   # the same endings in Latin transliteration (English-language reports)
                   "ov", "ova", "ev", "eva", "yev", "yeva", "in", "ina", "yn", "yna", "sky", "skiy", "skaya",
                   "uly", "kyzy", "ko", "yuk")
PATRONYMIC_ENDINGS = ("ович", "овна", "евич", "евна", "ьич", "ична", "ұлы", "қызы", "улы", "кызы",
                      "ovich", "ovna", "evich", "evna", "yevich", "yevna", "ichna", "uly", "kyzy", "qyzy")
# Surname and patronymic endings that mark a name by themselves (a capitalised word next to one of them
# belongs to the same name: "Нұрланұлы Асқар", "Serikuly Yerlan").
STRONG_ENDINGS = ("ов", "ова", "ев", "ева", "ёв", "ёва", "баев", "баева", "беков", "бекова", "ский", "ская", "цкий",
                  "цкая", "енко") + PATRONYMIC_ENDINGS + ("ov", "ova", "ev", "eva", "yev", "yeva", "skiy", "skaya")
# Occupations before a name, by stem, in the forms and cases reports use ("электромонтёра Сидоренко",
# "кровельщик Ахметов", "бетоншы Серікбаев"): never part of the name.
OCCUPATION_STEMS = (
    "электр", "монтаж", "монтер", "монтёр", "слесар", "сварщ", "оператор", "стропал", "водител", "мастер",
    "бригадир", "начальни", "машинист", "механик", "крановщ", "кровельщ", "аппаратчи", "формовщ", "сантехник",
    "уборщ", "грузчик", "рабоч", "работни", "сотрудни", "технолог", "инженер", "лаборант", "доярк", "повар",
    "кладовщ", "охранни", "сторож", "диспетчер", "бухгалтер", "кассир", "напарни", "коллег", "сменщ", "токар",
    "фрезеров", "плотник", "штукатур", "маляр", "бетонщ", "арматурщ", "стропаль", "обходчик", "составител",
    "жұмысшы", "жүргізуші", "дәнекер", "шебер", "бастығ", "бастық", "аспаз", "әріптес", "күзетші", "қоймашы",
    "worker", "operator", "electrician", "driver", "welder", "fitter", "mechanic", "roofer", "rigger", "foreman",
    "supervisor", "laborer", "labourer", "cook", "nurse", "cashier", "engineer", "technician", "coworker",
    "colleague", "scaffolder", "lead", "manager", "operative", "helper", "carpenter", "painter", "plumber")
ROLE_WORDS = ("мастер", "мастера", "мастеру", "бригадир", "бригадира", "бригадиру", "начальник", "начальника",
              "начальнику", "прораб", "прораба", "директор", "директора", "инженер", "инженера", "технолог",
              "менеджер", "старший", "шебер", "шебері", "бригадирі", "бастық", "бастығы", "басшы", "инженері",
              "foreman", "supervisor", "manager", "boss", "mr", "mrs", "ms", "mr.", "mrs.", "ms.")
# Occupations and introductions that come before a name ("электрик Асқар Темірұлы", "driver Sergey Kim",
# "Мен Ержан"), in the forms reports use; a capitalised one at the start of a sentence is not part of the name.
# Unlike a role word above, one of them marks a name only when a word after it looks like a name.
INTRO_WORDS = (
    "электрик", "электрика", "электрику", "электромонтер", "электромонтёр", "водитель", "водителя", "оператор",
    "оператора", "диспетчер", "диспетчера", "кладовщик", "кладовщица", "сторож", "охранник", "сварщик", "слесарь",
    "механик", "медсестра", "врач", "бухгалтер", "кассир", "машинист", "стропальщик", "крановщик", "монтажник",
    "обходчик", "лаборант", "лаборантка", "технолог", "начальница", "коллега", "напарник", "зовут", "я",
    "жүргізуші", "диспетчері", "қоймашы", "күзетші", "дәнекерші", "мейірбике", "дәрігер", "кассир", "машинист",
    "монтажшы", "зертханашы", "әріптесім", "мен", "атым",
    "electrician", "driver", "operator", "dispatcher", "storekeeper", "guard", "welder", "mechanic", "fitter",
    "engineer", "nurse", "doctor", "accountant", "cashier", "lead", "leader", "rigger", "scaffolder", "walker",
    "technician", "coworker", "colleague", "ask", "call", "contact", "i'm", "am", "named", "is")
BASE_ROLE_WORDS = frozenset(ROLE_WORDS)
ROLE_WORDS += INTRO_WORDS
FIRST_NAMES = {
    "иван", "петр", "пётр", "сергей", "алексей", "андрей", "дмитрий", "николай", "владимир", "олег", "игорь",
    "ольга", "елена", "наталья", "татьяна", "ирина", "светлана", "мария", "анна", "виктор", "юрий", "павел",
    "айдос", "ерлан", "нурлан", "асхат", "бауыржан", "ержан", "дархан", "серик", "серік", "марат", "арман", "данияр",
    "айгүл", "айгуль", "гүлнар", "гульнар", "динара", "жанар", "асем", "әсем", "айжан", "алия", "әлия", "сауле",
    "сәуле", "мадина", "дана", "жанна", "бекзат", "нұрлан", "ерболат", "қайрат", "кайрат", "талгат", "тимур",
    "john", "james", "david", "michael", "anna", "maria", "peter", "sarah", "robert", "william", "thomas", "daniel",
    "mark", "paul", "andrew", "richard", "george", "steven", "kevin", "brian", "mary", "linda", "susan", "karen",
    "emily", "emma", "laura", "jessica", "lisa", "nancy",
}
# The Cyrillic first names above as they are usually written in Latin letters.
FIRST_NAMES |= {
    "ivan", "pyotr", "sergey", "sergei", "alexei", "alexey", "andrey", "andrei", "dmitry", "nikolai", "vladimir",
    "oleg", "igor", "olga", "elena", "yelena", "natalya", "tatyana", "irina", "svetlana", "viktor", "yuri", "pavel",
    "aidos", "yerlan", "erlan", "nurlan", "askhat", "baurzhan", "yerzhan", "darkhan", "serik", "marat", "arman",
    "daniyar", "aigul", "gulnar", "dinara", "zhanar", "assem", "aizhan", "aliya", "saule", "madina", "dana",
    "zhanna", "bekzat", "yerbolat", "kairat", "talgat", "timur",
}


@dataclass(frozen=True)
class Span:
    type: str
    start: int
    end: int
    text: str

    def as_dict(self) -> dict:
        return {"type": self.type, "start": self.start, "end": self.end, "text": self.text}


@dataclass
class Redacted:
    text: str
    spans: list[Span]


def _is_surname(word: str) -> bool:
    lower = word.lower()
    return len(lower) > 3 and lower.endswith(SURNAME_ENDINGS)


def _is_name_word(word: str) -> bool:
    lower = word.lower()
    return lower in FIRST_NAMES or _is_surname(word) or lower.endswith(PATRONYMIC_ENDINGS)


def _is_strong_name_word(word: str) -> bool:
    """A surname or patronymic by its ending alone (not a first name, not a short word)."""
    lower = word.lower()
    return len(lower) > 4 and lower.endswith(STRONG_ENDINGS) and not _is_occupation(word)


def _is_occupation(word: str) -> bool:
    """An occupation or role word before a name; Kazakh agent nouns in -шы/-ші (бетоншы, монтажшы) too."""
    lower = word.lower().rstrip(".")
    return (lower in ROLE_WORDS or lower.startswith(OCCUPATION_STEMS)
            or (len(lower) > 4 and bool(re.search("[а-яәғқңөұүһі]", lower))
                and lower.endswith(("шы", "ші", "шысы", "шісі", "шыны", "шіні", "шыға", "шіге"))))


def _is_sentence_safe(text: str, start: int, word: str) -> bool:
    """A single surname counts as a name only after an occupation or role word ("кровельщик Ахметов")."""
    before = re.findall(r"[\w'.-]+", text[:start])
    return bool(before) and _is_occupation(before[-1]) and _is_strong_name_word(word)


def _sentence_start(text: str, position: int) -> bool:
    return not text[:position].strip() or text[:position].rstrip()[-1] in ".!?:;\n"


def _phones(text: str) -> list[Span]:
    found = []
    for match in PHONE_CANDIDATE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        national = (len(digits) == 11 and digits[0] in "78" and digits[1] == "7") or \
                   (len(digits) == 10 and digits[0] == "7")
        if national:
            found.append(Span("phone", match.start(), match.end(), match.group()))
    return found


def _names(text: str) -> list[Span]:
    spans: list[Span] = []
    patterns = [
        rf"{WORD}\s(?:{INITIAL}){{1,2}}",  # Иванов И.И.
        rf"(?:{INITIAL}){{1,2}}{WORD}",  # И. И. Иванов
        rf"{WORD}(?:\s{WORD}){{1,2}}",  # two or three capitalised words
    ]
    for pattern in patterns:
        for match in re.finditer(pattern, text):
            start, value = match.start(), match.group().rstrip()
            first = re.match(WORD, value)
            if first and first.group().lower() in ROLE_WORDS:  # "Шебер Серікбаев Айдос": the role is not the name
                cut = len(first.group()) + 1
                start, value = start + cut, value[cut:]
            words = re.findall(WORD, value)
            has_initials = "." in value
            if has_initials and re.match(r"(?:Mr|Ms|Mrs|Dr|St|No)\.", value):
                continue
            looks_like_name = (has_initials and bool(words)) or sum(_is_name_word(w) for w in words) >= 2
            if not looks_like_name and not has_initials and any(_is_strong_name_word(w) for w in words):
                # One surname or patronymic by its ending: the name is it and the capitalised words next to
                # it, less an occupation or a sentence's first word that is not a name ("Вчера Ахметов").
                while len(words) > 1 and not _is_name_word(words[0]) and (
                        _is_occupation(words[0]) or _sentence_start(text, start)):
                    cut = len(words[0]) + 1
                    start, value, words = start + cut, value[cut:], words[1:]
                while len(words) > 1 and _is_occupation(words[-1]):
                    value, words = value[:value.rfind(" ")], words[:-1]
                looks_like_name = len(words) > 1 or _is_sentence_safe(text, start, words[0])
            if looks_like_name:
                spans.append(Span("person", start, start + len(value), value))
    role = "|".join(re.escape(r) for r in ROLE_WORDS)
    for match in re.finditer(rf"(?i:\b(?:{role}))\s+({WORD}(?:\s{WORD})?)", text):
        words = match.group(1).split()
        if _is_occupation(words[0]):
            continue
        # A second capitalised word belongs to the name only if it looks like one.
        if len(words) == 2 and not _is_name_word(words[1]) and not _is_name_word(words[0]):
            words = words[:1]
        role_word = match.group(0)[:match.start(1) - match.start()].strip().lower()
        if role_word in INTRO_WORDS and role_word not in BASE_ROLE_WORDS and not any(map(_is_name_word, words)):
            continue
        value = " ".join(words)
        spans.append(Span("person", match.start(1), match.start(1) + len(value), value))
    for match in re.finditer(rf"(?<![\w'-])(?=([\w'-]+)\s+({WORD}(?:\s{WORD})?))", text):
        if match.group(1).lower() in ROLE_WORDS or not _is_occupation(match.group(1)):
            continue
        words = match.group(2).split()
        if len(words) == 2 and not (_is_name_word(words[1]) or _is_strong_name_word(words[0])):
            words = words[:1]
        if any(_is_strong_name_word(w) for w in words) or (len(words) == 2 and any(map(_is_name_word, words))):
            value = " ".join(words)
            spans.append(Span("person", match.start(2), match.start(2) + len(value), value))
    return spans


@lru_cache(maxsize=1)
def _natasha():
    from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter

    return Doc, Segmenter(), NewsNERTagger(NewsEmbedding())


NATASHA_BATCH = 32
CAPITAL_CYRILLIC = re.compile("[А-ЯЁӘҒҚҢӨҰҮҺІ][а-яёәғқңөұүһі]")


def _natasha_persons_many(texts: list[str]) -> list[list[Span]]:
    """Russian person names found by natasha's NER (its models ship inside the wheel), in one batch.

    Only texts with a capitalised Cyrillic word go to the tagger (a name is written with a capital).
    """
    out: list[list[Span]] = [[] for _ in texts]
    todo = [k for k, text in enumerate(texts) if text.strip() and CAPITAL_CYRILLIC.search(text)]
    if not todo:
        return out
    _doc, _segmenter, tagger = _natasha()
    tagger.batch_size = NATASHA_BATCH
    for k, markup in zip(todo, tagger.map([texts[k] for k in todo]), strict=True):
        out[k] = [span for span in (_natasha_span(texts[k], s.start, s.stop) for s in markup.spans
                                    if s.type == "PER") if span]
    return out


def _natasha_span(text: str, start: int, stop: int) -> Span | None:
    """natasha's PER span less role/occupation words before it and lower-case words after it."""
    words = list(re.finditer(r"\S+", text[start:stop]))
    # natasha also tags role words and single common words; keep spans that look like names.
    while words and (_is_occupation(words[0].group()) or words[0].group()[:1].islower()):
        words = words[1:]
    while words and words[-1].group()[:1].islower():
        words = words[:-1]
    if not words or not any(_is_name_word(w.group().strip(".,")) or "." in w.group() for w in words):
        return None
    begin, end = start + words[0].start(), start + words[-1].end()
    while end > begin and text[end - 1] in ",;:!?)":
        end -= 1
    return Span("person", begin, end, text[begin:end])


def _merge(spans: list[Span], text: str) -> list[Span]:
    """Overlapping spans become one; identifiers win over names when they overlap."""
    priority = {"iin": 0, "email": 1, "phone": 2, "person": 3}
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end, priority[s.type])):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            kind = min((last.type, span.type), key=priority.get)
            end = max(last.end, span.end)
            merged[-1] = Span(kind, last.start, end, text[last.start:end])
        else:
            merged.append(span)
    return merged


def find_many(texts: list[str]) -> list[list[Span]]:
    """`find` for several texts; the NER model runs once over all of them (much faster than one by one)."""
    out = []
    for text, persons in zip(texts, _natasha_persons_many(list(texts)), strict=True):
        spans = [Span("email", m.start(), m.end(), m.group()) for m in EMAIL.finditer(text)]
        spans += [Span("iin", m.start(), m.end(), m.group()) for m in TWELVE_DIGITS.finditer(text)
                  if is_valid_iin(m.group())]
        taken = [(s.start, s.end) for s in spans]
        spans += [s for s in _phones(text) if not any(a <= s.start < b for a, b in taken)]
        spans += _names(text) + persons
        out.append(_merge(spans, text))
    return out


def find(text: str) -> list[Span]:
    """All personal data in the text, as non-overlapping spans with offsets into it."""
    return find_many([text])[0]


def redact_many(texts: list[str]) -> list[Redacted]:
    return [_redacted(text, spans) for text, spans in zip(texts, find_many(texts), strict=True)]


def redact(text: str) -> Redacted:
    return _redacted(text, find(text))


def _redacted(text: str, spans: list[Span]) -> Redacted:
    pieces, position = [], 0
    for span in spans:
        pieces.append(text[position:span.start])
        pieces.append(PLACEHOLDERS[span.type])
        position = span.end
    pieces.append(text[position:])
    return Redacted("".join(pieces), spans)
