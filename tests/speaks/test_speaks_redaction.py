"""Personal data masking: IINs with a valid check digit, every phone format, e-mails, names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.registry.identifiers import complete_with_check_digit
from qorgau.speaks.pii import find, redact

VALID_IIN = complete_with_check_digit("90010240005")


@pytest.mark.parametrize("phone", ["+7 701 123 45 67", "+77011234567", "8 (701) 123-45-67", "87011234567",
                                   "8-701-123-45-67", "701 123 4567", "+7 (727) 250-12-34", "8 7212 41 22 33"])
def test_phone_formats(phone):
    spans = find(f"Звоните мне {phone} после смены")
    assert [(s.type, s.text) for s in spans] == [("phone", phone)]


def test_iin_needs_a_valid_check_digit():
    invalid = VALID_IIN[:-1] + str((int(VALID_IIN[-1]) + 1) % 10)
    text = f"ИИН {VALID_IIN}, номер заказа {invalid}"
    assert [(s.type, s.text) for s in find(text)] == [("iin", VALID_IIN)]


@pytest.mark.parametrize("text,name", [
    ("Мастер Петров Иван Сергеевич говорит работать", "Петров Иван Сергеевич"),
    ("бригадир Жумабеков заставляет работать без каски", "Жумабеков"),
    ("Иванов И.И. не выдал СИЗ", "Иванов И.И."),
    ("это сказала И. К. Ахметова на планёрке", "И. К. Ахметова"),
    ("Шебер Серікбаев Айдос респиратор бермеді", "Серікбаев Айдос"),
    ("Бригадир Нұрланов Ерлан Болатұлы бізге айқайлайды", "Нұрланов Ерлан Болатұлы"),
    ("Foreman John Smith told us to skip the lockout", "John Smith"),
    # An occupation or an introduction before the name is not part of it, at a sentence start too.
    ("Электрик Асқар Темірұлы жалғыз жіберіледі", "Асқар Темірұлы"),
    ("Диспетчер Ольга Петрова не отвечает", "Ольга Петрова"),
    ("Мен Ержан, мастерге айттым", "Ержан"),
    ("wagons roll away. Driver Sergey Kim, call me", "Sergey Kim"),
    ("Ask Timur Abenov about the bunkers", "Timur Abenov"),
    # An occupation in another case, a lone patronymic-style surname, Latin digraph initials, a name
    # followed by a lower-case verb (written for these tests, in no evaluation set).
    ("Токаря Жолдасбеков К.А. отправили домой", "Жолдасбеков К.А."),
    ("бетоншы Ермекұлы Бауыржан шұңқырға түсті", "Ермекұлы Бауыржан"),
    ("Вчера Сагинтаев опять кричал на смене", "Сагинтаев"),
    ("the welder Sh. Omarova burned her wrist", "Sh. Omarova"),
    ("машинист Қуанышбаев Т.Н. көрмей қалды", "Қуанышбаев Т.Н."),
    ("plumber Aidar Kenzhebekovich Mukanov slipped", "Aidar Kenzhebekovich Mukanov"),
])
def test_names_in_russian_kazakh_and_english(text, name):
    spans = [s for s in find(text) if s.type == "person"]
    assert [s.text for s in spans] == [name]


def test_emails_and_placeholders():
    result = redact("Пишите на ivan.petrov@kazzinc.kz или a_b@mail.ru")
    assert result.text == "Пишите на [EMAIL] или [EMAIL]"


def test_places_and_equipment_are_not_names():
    assert find("В цехе электролиза на Шахте Ленина сломан Конвейер") == []
    assert find("The operator Says Stop when the Conveyor jams") == []


@given(st.text(alphabet=st.characters(categories=("L", "N", "P", "Zs")), max_size=200))
def test_spans_are_in_bounds_sorted_and_disjoint(text):
    spans = find(text)
    for span in spans:
        assert 0 <= span.start < span.end <= len(text) and text[span.start:span.end] == span.text
    for left, right in zip(spans, spans[1:], strict=False):
        assert left.end <= right.start


def test_many_texts_at_once_find_what_one_at_a_time_finds():
    from qorgau.speaks.pii import find_many

    texts = ["Мастер Петров Иван Сергеевич говорит работать", "", "no names here at all",
             "Токаря Жолдасбеков К.А. отправили домой, тел. +7 701 123 45 67"]
    assert find_many(texts) == [find(text) for text in texts]
