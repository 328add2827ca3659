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
INITIAL = rf"[{UPPER}]\.\s?"
SURNAME_ENDINGS = ("ов", "ова", "ев", "ева", "ёв", "ёва", "ин", "ина", "ын", "ына", "ский", "ская", "цкий", "цкая",
                   "баев", "баева", "беков", "бекова", "ұлы", "қызы", "улы", "кызы", "енко", "ук", "юк", "ич",
                   # the same endings in Latin transliteration (English-language reports)
                   "ov", "ova", "ev", "eva", "yev", "yeva", "in", "ina", "yn", "yna", "sky", "skiy", "skaya",
                   "uly", "kyzy", "ko", "yuk")
PATRONYMIC_ENDINGS = ("ович", "овна", "евич", "евна", "ьич", "ична", "ұлы", "қызы", "улы", "кызы")
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
            looks_like_name = (has_initials and bool(words)) or sum(_is_name_word(w) for w in words) >= 2
            if looks_like_name:
                spans.append(Span("person", start, start + len(value), value))
    role = "|".join(re.escape(r) for r in ROLE_WORDS)
    for match in re.finditer(rf"(?i:\b(?:{role}))\s+({WORD}(?:\s{WORD})?)", text):
        words = match.group(1).split()
        # A second capitalised word belongs to the name only if it looks like one.
        if len(words) == 2 and not _is_name_word(words[1]) and not _is_name_word(words[0]):
            words = words[:1]
        role_word = match.group(0)[:match.start(1) - match.start()].strip().lower()
        if role_word in INTRO_WORDS and role_word not in BASE_ROLE_WORDS and not any(map(_is_name_word, words)):
            continue
        value = " ".join(words)
        spans.append(Span("person", match.start(1), match.start(1) + len(value), value))
    return spans + _natasha_persons(text)


@lru_cache(maxsize=1)
def _natasha():
    from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter

    return Doc, Segmenter(), NewsNERTagger(NewsEmbedding())


def _natasha_persons(text: str) -> list[Span]:
    """Russian person names found by natasha's NER (its models ship inside the wheel)."""
    if not re.search("[А-Яа-яЁё]", text):
        return []
    doc_class, segmenter, tagger = _natasha()
    doc = doc_class(text)
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    spans = []
    for span in doc.spans:
        if span.type != "PER":
            continue
        words = span.text.split()
        # natasha also tags role words and single common words; keep spans that look like names.
        while words and words[0].lower() in ROLE_WORDS:
            words = words[1:]
        if not words or not any(_is_name_word(w) or "." in w for w in words):
            continue
        start = span.start + span.text.find(words[0])
        end = span.stop
        spans.append(Span("person", start, end, text[start:end]))
    return spans


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


def find(text: str) -> list[Span]:
    """All personal data in the text, as non-overlapping spans with offsets into it."""
    spans = [Span("email", m.start(), m.end(), m.group()) for m in EMAIL.finditer(text)]
    spans += [Span("iin", m.start(), m.end(), m.group()) for m in TWELVE_DIGITS.finditer(text)
              if is_valid_iin(m.group())]
    taken = [(s.start, s.end) for s in spans]
    spans += [s for s in _phones(text) if not any(a <= s.start < b for a, b in taken)]
    spans += _names(text)
    return _merge(spans, text)


def redact(text: str) -> Redacted:
    spans = find(text)
    pieces, position = [], 0
    for span in spans:
        pieces.append(text[position:span.start])
        pieces.append(PLACEHOLDERS[span.type])
        position = span.end
    pieces.append(text[position:])
    return Redacted("".join(pieces), spans)
