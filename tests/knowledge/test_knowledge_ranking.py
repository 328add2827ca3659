"""Properties of the query parser and the rank fusion (no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qorgau.knowledge import search


@given(st.text(max_size=300))
def test_query_terms_are_bounded_unique_stems(text):
    terms = search.words(text)
    assert len(terms) == len(set(terms)) <= 32
    for term in terms:
        assert 3 <= len(term) <= search.STEM and term == term.lower() and term.strip("_")
        assert '"' not in term and "*" not in term and ":" not in term and "|" not in term


@given(st.lists(st.integers(1, 40), unique=True, max_size=30), st.lists(st.integers(1, 40), unique=True, max_size=30))
def test_fusion_keeps_every_item_once_and_rewards_agreement(first, second):
    fused = search.fuse(first, second)
    assert sorted(fused) == sorted(set(first) | set(second))
    if first and second and first[0] == second[0]:
        assert fused[0] == first[0]  # first in both lists is first overall
