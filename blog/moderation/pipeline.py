"""The screening pipeline: text → normalize → rule checks → learned score → policy → Verdict.

``Screener`` ties the stages together; it is what the web layer and the CLI call. It holds no
Flask or database state: the terms, the scorer and the settings are handed to it as values.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .decision import decide
from .scoring import NullScorer, Scorer
from .types import Context, Hit, Settings, Term, Verdict

if TYPE_CHECKING:  # pragma: no cover
    from .normalize import Normalized
    from .rules import TermIndex

_NO_CONTEXT = Context()


def _as_text(text: object) -> str:
    """Any input as a str (None → empty); lone surrogates are left to ``normalize``."""
    if text is None:
        return ""
    return text if isinstance(text, str) else str(text)


class Screener:
    """Screens comments with a term index, a learned scorer and the site's settings."""

    def __init__(self, terms: Iterable[Term] | TermIndex | None = None, scorer: Scorer | None = None,
                 settings: Settings = Settings(), *, publish_threshold: float | None = None) -> None:
        """``terms`` may be Term objects or a ready ``TermIndex``; None means no terms at all.

        The publish threshold is ``publish_threshold`` if given, else the scorer's (chosen at
        training), else ``settings.publish_threshold``.
        """
        from .rules import TermIndex

        if terms is None:
            self.index = TermIndex([])
        elif isinstance(terms, TermIndex):
            self.index = terms
        else:
            self.index = TermIndex([t for t in terms if t.enabled])
        self.scorer: Scorer = scorer if scorer is not None else NullScorer()
        self.settings = settings
        self._publish_threshold = publish_threshold

    @classmethod
    def default(cls, scorer: Scorer | None = None, settings: Settings = Settings(),
                **kwargs) -> Screener:
        """A screener over the project's shipped term lists."""
        from .rules import default_index
        return cls(default_index(), scorer, settings, **kwargs)

    @property
    def learned(self) -> bool:
        """Whether a learned model scores the comments (without one, every score is 0.0)."""
        return not isinstance(self.scorer, NullScorer)

    @property
    def publish_threshold(self) -> float:
        """The score below which a clean comment may auto-publish."""
        if self._publish_threshold is not None:
            return self._publish_threshold
        t = getattr(self.scorer, "publish_threshold", None)
        return self.settings.publish_threshold if t is None else float(t)

    def analyze(self, text: str) -> tuple[Normalized, list[Hit]]:
        """Normalize a comment and match the term lists (no structural signals, no score)."""
        from .normalize import normalize
        norm = normalize(_as_text(text))
        return norm, self.index.match(norm)

    def screen(self, text: str, context: Context = _NO_CONTEXT) -> Verdict:
        """Screen one comment in its context."""
        from .rules import structural_hits
        text = _as_text(text)
        norm, hits = self.analyze(text)
        score = self.scorer.score(text, norm, hits)
        hits = hits + structural_hits(text, context, self.settings)
        return decide(hits, score, context, self.settings,
                      publish_threshold=self.publish_threshold, text=text, scored=self.learned)

    def screen_many(self, texts: Sequence[str],
                    contexts: Sequence[Context] | None = None) -> list[Verdict]:
        """Screen a batch (the learned score is computed for the whole batch at once)."""
        from .rules import structural_hits
        texts = [_as_text(t) for t in texts]
        if contexts is None:
            contexts = [_NO_CONTEXT] * len(texts)
        elif len(contexts) != len(texts):
            raise ValueError("one context per text")
        analyzed = [self.analyze(t) for t in texts]
        norms = [a[0] for a in analyzed]
        term_hits = [a[1] for a in analyzed]
        scores = self.scorer.score_many(texts, norms, term_hits)
        t = self.publish_threshold
        out = []
        for text, hits, score, ctx in zip(texts, term_hits, scores, contexts):
            all_hits = hits + structural_hits(text, ctx, self.settings)
            out.append(decide(all_hits, score, ctx, self.settings, publish_threshold=t, text=text,
                              scored=self.learned))
        return out


def screen(text: str, context: Context = _NO_CONTEXT, *, scorer: Scorer | None = None,
           settings: Settings = Settings()) -> Verdict:
    """Screen one comment with the shipped term lists (convenience for scripts and the shell)."""
    return Screener.default(scorer, settings).screen(text, context)


__all__ = ["Screener", "screen"]
