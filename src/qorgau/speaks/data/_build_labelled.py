"""Build labelled_reports.jsonl from the hand-written reports in reports_{en,ru,kk}.txt.

Each line of a source file is ``CATEGORY URGENCY text``; blank lines and lines starting with ``#`` are
skipped. Personal data inside the text is marked so that offsets are computed, never typed by hand:

    <p:Жумабеков>          a person's name (the role word stays outside: "бригадир <p:Жумабеков>")
    <ph:+7 701 123 45 67>  a Kazakhstan phone number as written
    <e:a.b@example.kz>     an e-mail address
    <IIN>                  replaced by a generated IIN with a valid check digit (marked as PII)
    <ORD>                  replaced by a generated 12-digit order number whose check digit FAILS
                           (not personal data, not marked)

Category and urgency codes are the short forms in CODES/URGENCY below. Many reports were written as
versions of the same situation in two or three languages; ``story`` names that situation (found by
aligning the three files line by line on category and urgency), so that an evaluation can keep all
versions of a story on the same side of a train/test split. The identifiers come from a seeded
generator, so the output is the same on every run:

    .venv/bin/python src/qorgau/speaks/data/_build_labelled.py

The urgency model (`speaks/urgency_model.py`) is fitted on these reports and the development sets by
`_build_category_model.py` (run it after this script).
"""

from __future__ import annotations

import difflib
import json
import random
import re
from pathlib import Path

from qorgau.registry.identifiers import check_digit, has_valid_check_digit, is_valid_iin

HERE = Path(__file__).resolve().parent
OUT = HERE / "labelled_reports.jsonl"
CODES = {"mach": "machinery_equipment", "elec": "electrical", "fall": "falls_heights", "chem": "chemical_gas_dust",
         "fire": "fire_explosion", "ppe": "ppe", "trans": "transport_vehicles", "conf": "confined_space",
         "phys": "physical_environment", "ergo": "ergonomics_workload", "bio": "biological",
         "psy": "psychosocial_harassment", "lab": "labor_rights", "oth": "other"}
URGENCY = {"I": "imminent", "H": "high", "N": "normal", "L": "low"}
MARK = re.compile(r"<(p|ph|e):([^>]+)>|<(IIN|ORD)>")
TYPES = {"p": "person", "ph": "phone", "e": "email"}


def make_iin(rng: random.Random) -> str:
    while True:
        year, month, day = rng.randint(60, 99) if rng.random() < 0.7 else rng.randint(0, 5), rng.randint(1, 12), \
            rng.randint(1, 28)
        century = ("3", "4") if year >= 60 else ("5", "6")
        first = f"{year:02d}{month:02d}{day:02d}{rng.choice(century)}{rng.randint(0, 9999):04d}"
        digit = check_digit(first)
        if digit is not None and is_valid_iin(first + str(digit)):
            return first + str(digit)


def make_order_number(rng: random.Random) -> str:
    """Twelve digits that look like an IIN or a document number but fail the check digit."""
    while True:
        if rng.random() < 0.5:  # date-like start, the hard case for a redactor
            number = f"{rng.randint(20, 26):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" \
                     f"{rng.randint(0, 999999):06d}"
        else:
            number = f"{rng.randint(10**11, 10**12 - 1)}"
        if not has_valid_check_digit(number):
            return number


def parse_line(line: str, rng: random.Random) -> tuple[str, str, str, list[dict]]:
    code, urgency, raw = line.split(" ", 2)
    text, spans, position = "", [], 0
    for match in MARK.finditer(raw):
        text += raw[position:match.start()]
        if match.group(3) == "IIN":
            value = make_iin(rng)
            spans.append({"type": "iin", "start": len(text), "end": len(text) + 12, "text": value})
        elif match.group(3) == "ORD":
            value = make_order_number(rng)
        else:
            value = match.group(2)
            spans.append({"type": TYPES[match.group(1)], "start": len(text), "end": len(text) + len(value),
                          "text": value})
        text += value
        position = match.end()
    text += raw[position:]
    for span in spans:
        assert text[span["start"]:span["end"]] == span["text"], (line, span)
    assert "<" not in text and ">" not in text, line
    return CODES[code], URGENCY[urgency], text, spans


def _stories(codes: dict[str, list[str]]) -> dict[tuple[str, int], str]:
    """Story id per (language, line number): lines aligned across languages share one (union-find)."""
    parent: dict[tuple[str, int], tuple[str, int]] = {(lang, i): (lang, i) for lang, seq in codes.items()
                                                       for i in range(len(seq))}

    def root(node: tuple[str, int]) -> tuple[str, int]:
        while parent[node] != node:
            node = parent[node]
        return node

    for a, b in (("en", "ru"), ("en", "kk"), ("ru", "kk")):
        matcher = difflib.SequenceMatcher(None, codes[a], codes[b], autojunk=False)
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                parent[root((b, block.b + k))] = root((a, block.a + k))
    names: dict[tuple[str, int], str] = {}
    return {node: names.setdefault(root(node), f"s{len(names) + 1:03d}") for node in sorted(parent)}


def build() -> list[dict]:
    rng = random.Random(20261201)
    lines = {lang: [line.strip() for line in (HERE / f"reports_{lang}.txt").read_text(encoding="utf-8").splitlines()
                    if line.strip() and not line.startswith("#")] for lang in ("kk", "ru", "en")}
    stories = _stories({lang: [" ".join(line.split(" ", 2)[:2]) for line in seq] for lang, seq in lines.items()})
    rows = []
    for lang, seq in lines.items():
        for number, line in enumerate(seq):
            category, urgency, text, spans = parse_line(line, rng)
            rows.append({"id": f"{lang}-{number + 1:03d}", "lang": lang, "text": text, "category": category,
                         "urgency": urgency, "pii": spans, "story": stories[(lang, number)]})
    return rows


if __name__ == "__main__":
    rows = build()
    with OUT.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} reports -> {OUT}")
