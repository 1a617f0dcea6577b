"""Screening engine: normalize, rules, score, decide (pure Python, no Flask or database)."""

# Entry points, imported on first use so that `import blog.moderation.types` stays light.
_EXPORTS = {
    "Screener": "pipeline", "screen": "pipeline",
    "decide": "decision",
    "Scorer": "scoring", "NullScorer": "scoring", "LearnedScorer": "scoring", "Example": "scoring",
    "train": "scoring", "load_scorer": "scoring", "read_metadata": "scoring",
    "metrics": "evaluation", "cross_validate": "evaluation", "examples_from_csv": "evaluation",
    "read_labelled_csv": "evaluation", "format_report": "evaluation",
}


def __getattr__(name: str):
    """Lazy access to the engine's entry points (``from blog.moderation import Screener``)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module
    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = sorted(_EXPORTS)
