"""Screening engine: normalize, rules, score, decide (pure Python, no Flask or database)."""
