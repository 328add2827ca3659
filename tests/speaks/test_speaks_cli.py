"""`qorgau speaks triage` reads JSON lines and writes the documented schema."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from qorgau.registry.identifiers import complete_with_check_digit
from qorgau.speaks.cli import app

IIN = complete_with_check_digit("85031530012")


def test_triage_cli_output_schema(tmp_path):
    source = tmp_path / "in.jsonl"
    lines = [
        {"id": 1, "text": f"Мастер Петров И.И. не выдаёт респираторы, мой ИИН {IIN}, тел. 8 701 123 45 67"},
        {"id": "kk-2", "text": "Газ шығып жатыр қазір, адамдар тұншығып жатыр, шебер Серікбаев Айдос"},
        {"id": 3, "text": "Forklift with no brakes, write to safety.rep@example.kz"},
    ]
    source.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["triage", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [1, "kk-2", 3]
    for row, line in zip(rows, lines, strict=True):
        assert set(row) == {"id", "category", "urgency", "redacted_text", "pii"}
        for span in row["pii"]:
            assert set(span) == {"type", "start", "end", "text"}
            assert line["text"][span["start"]:span["end"]] == span["text"]
            assert span["type"] in ("person", "iin", "phone", "email")
            assert span["text"] not in row["redacted_text"]
    assert {s["type"] for s in rows[0]["pii"]} == {"person", "iin", "phone"}
    assert rows[0]["category"] == "ppe"
    assert rows[1]["urgency"] == "imminent"
    assert {s["type"] for s in rows[2]["pii"]} == {"email"}


def test_triage_cli_names_the_bad_line(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "ok text here"}\n{broken\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["triage", str(source), "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 1 and "line 2" in result.output
    assert not (tmp_path / "o.jsonl").exists()
