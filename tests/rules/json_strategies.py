"""Hypothesis strategies for the rules' property tests: arbitrary JSON-ish values and ISO dates."""

from datetime import date

from hypothesis import strategies as st

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
# Plausible dates, any date, or something that is not a date at all.
DATES = st.one_of(st.dates(date(2015, 1, 1), date(2030, 12, 31)).map(date.isoformat),
                  st.dates().map(date.isoformat), JSONISH)
