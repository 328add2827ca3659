"""`qorgau knowledge ...`: load the starter set of practices, rebuild the search index, refresh the
starter set's stored embeddings."""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(help="The best-practice database.", no_args_is_help=True)


@app.command("load-starter")
def load_starter(path: Path = typer.Option(None, "--file", exists=True, dir_okay=False,
                                           help="A practices file (default: the shipped starter set)")) -> None:
    """Load the starter set (or another file of the same shape) as published practices; idempotent."""
    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.plugins import load_all_models
    from qorgau.knowledge import service

    load_all_models()
    with unit_of_work(get_settings().resolved_database_url(), actor="system:knowledge") as session:
        done = service.load_starter(session=session, path=path or service.STARTER)
    typer.echo(json.dumps(done))


@app.command()
def reindex() -> None:
    """Rebuild the search index (text and vectors) of every practice from its published version."""
    from sqlalchemy import select

    from qorgau.core.config import get_settings
    from qorgau.core.db import unit_of_work
    from qorgau.core.plugins import load_all_models
    from qorgau.knowledge import search
    from qorgau.knowledge.models import Practice

    load_all_models()
    with unit_of_work(get_settings().resolved_database_url(), actor="system:knowledge") as session:
        practices = list(session.execute(select(Practice)).scalars())
        rows = search.index_practices(session, practices)
    typer.echo(json.dumps({"practices": len(practices), "language_versions": rows}))


@app.command("embed-starter")
def embed_starter() -> None:
    """Recompute the stored embeddings of the starter set (after its texts change); CPU work, minutes."""
    from qorgau.knowledge import search, service
    from qorgau.knowledge.models import LANGUAGES

    document = json.loads(service.STARTER.read_text(encoding="utf-8"))
    passages = [search.passage_of(record["texts"][lang]) for record in document["practices"]
                for lang in LANGUAGES if lang in record["texts"]]
    typer.echo(json.dumps({"passages": search.write_cache(passages), "file": search.CACHE.name}))
