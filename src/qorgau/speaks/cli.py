"""`qorgau speaks ...`: batch triage of texts, retraining on officers' corrections, escalation."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import typer

app = typer.Typer(help="Worker Speaks: triage, training, deadlines.", no_args_is_help=True)
BATCH = 64


@app.command()
def triage(infile: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON lines with id and text"),
           out: Path = typer.Option(..., "--out", help="Where to write one JSON object per line")) -> None:
    """Category, urgency, redacted text and personal-data spans for each line of IN.jsonl."""
    from qorgau.speaks import nlp

    items, problems = [], []
    for number, line in enumerate(infile.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or "id" not in item or not isinstance(item.get("text"), str):
                raise ValueError("needs an 'id' and a 'text' string")
        except (json.JSONDecodeError, ValueError) as error:
            problems.append(f"line {number}: {error}")
            continue
        items.append(item)
    if problems:
        for problem in problems:
            typer.echo(problem, err=True)
        typer.echo(f"{len(problems)} bad line(s); nothing written.", err=True)
        raise typer.Exit(1)
    results = []
    for start in range(0, len(items), BATCH):  # embeddings are computed a batch at a time
        batch = items[start:start + BATCH]
        texts = [item["text"] for item in batch]
        for item, verdict, redaction in zip(batch, nlp.triage_many(texts), nlp.redact_many(texts), strict=True):
            results.append({"id": item["id"], "category": verdict.category, "urgency": verdict.urgency,
                            "redacted_text": redaction.text, "pii": redaction.spans})
    with out.open("w", encoding="utf-8") as handle:
        for result in results:
            handle.write(json.dumps(result, ensure_ascii=False) + "\n")
    typer.echo(f"{len(results)} report(s) triaged -> {out}")


@app.command()
def train(min_count: int = typer.Option(2, help="How often a word must recur in corrected reports")) -> None:
    """Learn from officers' triage corrections: extra lexicon stems, and the category model refitted."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.speaks import category_model, lexicon, service

    with unit_of_work(get_settings().resolved_database_url(), actor="cli:speaks-train") as session:
        corrections = service.corrections(session=session)
    learned = lexicon.learn(corrections, min_count=min_count)
    refitted = category_model.retrain(corrections) if corrections else None
    typer.echo(json.dumps({"corrections": len(corrections),
                           "learned_stems": {k: len(v) for k, v in learned.items()},
                           "category_model": "refitted" if refitted else "unchanged (no corrections)"}))


@app.command()
def escalate(now: str = typer.Option("", help="ISO date to act as today (default: today)")) -> None:
    """Move reports past their acknowledgement or feedback deadline up the union tree."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.speaks import service

    today = datetime.fromisoformat(now).date() if now else date.today()
    with unit_of_work(get_settings().resolved_database_url(), actor="system:escalation") as session:
        moved = service.escalate_overdue(session=session, today=today)
        typer.echo(f"{len(moved)} report(s) escalated: " + ", ".join(r.reference for r in moved))
