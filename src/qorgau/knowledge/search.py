"""Search over the published practices in every language: full-text (SQLite FTS5 / PostgreSQL full-text),
semantic (multilingual-e5-small vectors stored per language version) and the two combined.

The choices are documented in docs/decisions/0018-knowledge-search-across-languages.md: words of three
letters or more, cut to their first six letters and matched as prefixes (a crude stem that works alike for
Kazakh, Russian and English endings), any word may match (OR), ranked by BM25 / ts_rank; semantic rank by the
best cosine between the query and a practice's language versions, each embedded from its title and problem;
combined by reciprocal rank fusion with the customary k = 60. The one change after the first measurement
(the embedded passage) was chosen on the development query set; a second set, written separately, judges it.

Embedding is CPU work: the practices are embedded when they are published or loaded (`index_practices`),
only the query is embedded per request, and callers are plain `def` routes or jobs, never the event loop.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.orm import Session

from qorgau.knowledge.models import LANGUAGES, Practice, PracticeDoc, PracticeVersion, Status
from qorgau.speaks import service as speaks

STEM = 6
RRF_K = 60
DEPTH = 50  # how far down each list the fusion looks
_WORD = re.compile(r"\w+", re.UNICODE)
STOP = frozenset([
    "the", "and", "for", "with", "from", "that", "this", "was", "were", "are", "not", "but", "how", "what",
    "when", "into", "after", "before", "while", "our", "their", "they", "them", "его", "она", "они", "что",
    "как", "для", "при", "это", "или", "где", "когда", "после", "перед", "через", "был", "была", "были",
    "есть", "нет", "ещё", "уже", "очень", "және", "мен", "бен", "пен", "үшін", "кезінде", "туралы", "бұл",
    "осы", "сол", "оның", "олар", "қалай", "неге", "бар", "жоқ", "еді", "болды", "деп", "емес",
])


def words(query: str) -> list[str]:
    """The query's search terms: lower-cased words of three letters or more, stop words out, cut to a stem."""
    seen: list[str] = []
    for word in _WORD.findall(query.lower()):
        if len(word) < 3 or word in STOP or word.isdigit() or not word.strip("_"):
            continue
        stem = word[:STEM]
        if stem not in seen:
            seen.append(stem)
    return seen[:32]


def body_of(texts: dict) -> str:
    return " ".join(texts.get(part, "") for part in ("title", "problem", "action", "result")).strip()


def passage_of(texts: dict) -> str:
    """What is embedded: the title and the problem. A searcher describes a problem in their own words; the
    account of what was done (often longer than both) pulled the vector towards the remedy and away from
    the case it answers. What was done and the result stay in the full-text index."""
    return f"{texts.get('title', '')}. {texts.get('problem', '')}".strip()


def _vector_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


# Embeddings of the starter set, computed once with the same model (`qorgau knowledge embed-starter`), keyed
# by the model and the exact passage: loading the starter set then needs no embedding work; any passage
# not in the file (a changed text, a submitted practice) is embedded as usual.
CACHE = Path(__file__).resolve().parent / "data" / "practices.vectors.npz"


def passage_key(passage: str) -> str:
    return hashlib.sha256(f"{speaks.EMBEDDING_MODEL}|passage|{passage}".encode()).hexdigest()


@lru_cache(maxsize=1)
def _cache() -> dict[str, np.ndarray]:
    if not CACHE.exists():
        return {}
    with np.load(CACHE) as stored:
        return dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))


def embed_passages(passages: list[str], *, use_cache: bool = True) -> np.ndarray:
    """Document-side embeddings ("passage: " in e5's asymmetric retrieval), L2-normalised."""
    out = np.zeros((len(passages), speaks.EMBEDDING_DIM), dtype=np.float32)
    cache = _cache() if use_cache else {}
    missing = [i for i, p in enumerate(passages) if passage_key(p) not in cache]
    for i, p in enumerate(passages):
        if i not in missing:
            out[i] = cache[passage_key(p)]
    if missing:
        vectors = speaks.embed_passages([passages[i] for i in missing])
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        out[missing] = vectors / np.where(norms == 0, 1, norms)
    return out


def write_cache(passages: list[str]) -> int:
    vectors = embed_passages(passages, use_cache=False)
    np.savez_compressed(CACHE, keys=np.array([passage_key(p) for p in passages]), vectors=vectors)
    _cache.cache_clear()
    return len(passages)


def index_practices(session: Session, practices: Sequence[Practice]) -> int:
    """Rebuild the index rows of these practices from their published versions (one embedding batch).
    A practice with nothing published, or withdrawn, leaves the index."""
    if not practices:
        return 0
    ids = [p.id for p in practices]
    session.execute(delete(PracticeDoc).where(PracticeDoc.practice_id.in_(ids)))
    rows: list[tuple[int, str, str, str]] = []
    for practice in practices:
        if practice.published_version is None or practice.status == Status.WITHDRAWN:
            continue
        version = session.execute(select(PracticeVersion).where(PracticeVersion.practice_id == practice.id,
                                                        PracticeVersion.number == practice.published_version)).scalar_one()
        for lang in LANGUAGES:
            texts = (version.data.get("texts") or {}).get(lang)
            if texts and texts.get("title"):
                rows.append((practice.id, lang, body_of(texts), passage_of(texts)))
    vectors = embed_passages([row[3] for row in rows])
    for (practice_id, lang, body, _passage), vector in zip(rows, vectors, strict=True):
        session.add(PracticeDoc(practice_id=practice_id, lang=lang, body=body, vector=_vector_bytes(vector)))
    session.flush()
    return len(rows)


def _langs(langs: Iterable[str] | None) -> list[str]:
    chosen = [lang for lang in (langs or LANGUAGES) if lang in LANGUAGES]
    return chosen or list(LANGUAGES)


def fulltext(session: Session, query: str, *, allowed: set[int], langs: Iterable[str] | None = None,
             limit: int = DEPTH) -> list[int]:
    """Practice ids, best first, by full-text match of the query in the chosen language versions."""
    terms = words(query)
    if not terms or not allowed:
        return []
    chosen = _langs(langs)
    if session.get_bind().dialect.name == "sqlite":
        # bm25() cannot sit inside an aggregate or a flattened subquery: rank the rows here, group below.
        match = " OR ".join(f'"{term}"*' for term in terms)
        hits = session.execute(text("SELECT rowid AS id, bm25(knowledge_fts) AS score FROM knowledge_fts "
                                    "WHERE knowledge_fts MATCH :match ORDER BY score ASC, rowid ASC"),
                               {"match": match}).all()
        docs = dict(session.execute(select(PracticeDoc.id, PracticeDoc.practice_id).where(
            PracticeDoc.id.in_([hit.id for hit in hits]), PracticeDoc.lang.in_(chosen))).all()) if hits else {}
        ranked: list[int] = []
        for hit in hits:
            pid = docs.get(hit.id)
            if pid is not None and pid in allowed and pid not in ranked:
                ranked.append(pid)
        return ranked[:limit]
    stmt = text("SELECT d.practice_id AS pid, max(ts_rank(to_tsvector('simple', d.body), q)) AS score "
                "FROM knowledge_doc d, to_tsquery('simple', :tsq) q "
                "WHERE to_tsvector('simple', d.body) @@ q AND d.lang IN :langs "
                "GROUP BY d.practice_id ORDER BY score DESC, d.practice_id ASC").bindparams(
        bindparam("langs", expanding=True))
    params = {"tsq": " | ".join(f"{term}:*" for term in terms), "langs": chosen}
    ranked = [row.pid for row in session.execute(stmt, params) if row.pid in allowed]
    return ranked[:limit]


def semantic(session: Session, query_vector: np.ndarray, *, allowed: set[int],
             langs: Iterable[str] | None = None, limit: int = DEPTH) -> list[int]:
    """Practice ids, best first, by the best cosine between the query and any chosen language version."""
    if not allowed:
        return []
    rows = session.execute(select(PracticeDoc.practice_id, PracticeDoc.vector).where(PracticeDoc.lang.in_(_langs(langs)))).all()
    rows = [row for row in rows if row.practice_id in allowed]
    if not rows:
        return []
    matrix = np.frombuffer(b"".join(row.vector for row in rows), dtype=np.float32).reshape(len(rows), -1)
    scores = matrix @ np.asarray(query_vector, dtype=np.float32).reshape(-1)
    best: dict[int, float] = {}
    for row, score in zip(rows, scores, strict=True):
        if score > best.get(row.practice_id, -2.0):
            best[row.practice_id] = float(score)
    return sorted(best, key=lambda pid: (-best[pid], pid))[:limit]


def fuse(*ranked_lists: Sequence[int], k: int = RRF_K) -> list[int]:
    """Reciprocal rank fusion: each list gives 1 / (k + rank); ties broken by id."""
    score: dict[int, float] = {}
    for ranked in ranked_lists:
        for rank, pid in enumerate(ranked[:DEPTH], start=1):
            score[pid] = score.get(pid, 0.0) + 1.0 / (k + rank)
    return sorted(score, key=lambda pid: (-score[pid], pid))


def embed_query(query: str) -> np.ndarray:
    return speaks.embed_queries([query])[0]


def rank(session: Session, query: str, *, allowed: set[int], mode: str = "combined",
         langs: Iterable[str] | None = None, query_vector: np.ndarray | None = None) -> list[int]:
    """The ranked practice ids for one query: mode "fulltext", "semantic" or "combined"."""
    if mode == "fulltext":
        return fulltext(session, query, allowed=allowed, langs=langs)
    vector = query_vector if query_vector is not None else embed_query(query)
    meaning = semantic(session, vector, allowed=allowed, langs=langs)
    if mode == "semantic":
        return meaning
    return fuse(fulltext(session, query, allowed=allowed, langs=langs), meaning)
