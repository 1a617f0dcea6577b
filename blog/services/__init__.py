"""Use cases: one function each, owning its transaction and its signals."""
