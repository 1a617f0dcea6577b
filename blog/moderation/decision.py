"""The decision policy: rule hits, the learned score, the site's settings → a ``Verdict``.

Order of the checks (the first that applies decides, every applicable reason is kept):
1. a hit of severity ``reject`` (a banned author or address included) → reject;
2. a hit of severity ``hold`` → hold;
3. score ≥ ``settings.reject_threshold`` → reject; score ≥ ``settings.hold_threshold`` → hold;
4. otherwise the comment is clean: under post-moderation it is published when its score is below
   the publish threshold (held as uncertain otherwise); under pre-moderation it waits for a human,
   unless the site auto-publishes clean comments by authors with earlier approved comments and
   the score is below the publish threshold.
An automatic reject is only a verdict: the caller stores the comment and its reasons.
"""
from __future__ import annotations

from collections.abc import Iterable

from . import reasons as R
from .types import Action, Context, Hit, Mode, Reason, Rule, Settings, Severity, Verdict

BANNED_HIT = Hit(rule=Rule.SPAM, term="banned", severity=Severity.REJECT, signal=True)


def _hit_reasons(hits: Iterable[Hit], text: str | None) -> list[Reason]:
    """One reason per thing found: a word read as several list entries ("7mar" as "7mar", "حمار" and "حماره") is
    explained once, by the first, for each rule and severity it falls under."""
    out: list[Reason] = []
    seen: set[tuple[str, str, str]] = set()
    words: set[tuple] = set()
    for h in hits:
        if not h.signal:
            word = (h.start, h.end, h.rule, h.severity)
            if word in words:
                continue
            words.add(word)
        reason = R.signal_reason(h) if h.signal else R.term_reason(h, text)
        key = (reason.code, reason.en, h.severity.value)
        if key not in seen:
            seen.add(key)
            out.append(reason)
    return out


def decide(hits: Iterable[Hit], score: float, context: Context = Context(),
           settings: Settings = Settings(), *, publish_threshold: float | None = None,
           text: str | None = None, scored: bool = True) -> Verdict:
    """The verdict for one comment; ``text`` (the original) lets reasons quote the words as written; ``scored``
    False says that no learned model gave ``score`` (it is then 0.0 and the rules alone decide).

    ``publish_threshold`` (e.g. the one chosen when the model was trained) overrides
    ``settings.publish_threshold``.
    """
    hits = list(hits)
    if context.banned and not any(h.signal and h.term == "banned" for h in hits):
        hits.append(BANNED_HIT)
    try:
        score = float(score)
    except (TypeError, ValueError):
        score = float("nan")
    if score != score:  # unknown (NaN or not a number): never treated as clean
        score = settings.hold_threshold
    score = min(1.0, max(0.0, score))
    # reject-severity hits first, so the reasons read in order of weight
    hits.sort(key=lambda h: 0 if h.severity is Severity.REJECT else 1)
    reasons = _hit_reasons(hits, text)
    threshold = settings.publish_threshold if publish_threshold is None else publish_threshold
    if any(h.severity is Severity.REJECT for h in hits):
        action = Action.REJECT
    elif hits:
        action = Action.HOLD
    elif score >= settings.reject_threshold:
        action = Action.REJECT
        reasons.append(R.score_reason(score, settings.reject_threshold, Severity.REJECT))
    elif score >= settings.hold_threshold:
        action = Action.HOLD
        reasons.append(R.score_reason(score, settings.hold_threshold, Severity.HOLD))
    elif settings.mode is Mode.POST:
        if score < threshold:
            action = Action.PUBLISH
            reasons.append(R.CLEAN)
        else:
            action = Action.HOLD
            reasons.append(R.uncertain_reason(score, threshold))
    elif (settings.auto_publish_known_authors and context.author_approved_count > 0
          and score < threshold):
        action = Action.PUBLISH
        reasons.append(R.KNOWN_AUTHOR)
    else:
        action = Action.HOLD
        reasons.append(R.PRE_MODERATION)
    return Verdict(action=action, hits=tuple(hits), score=score, reasons=tuple(reasons), scored=scored)


__all__ = ["decide", "BANNED_HIT"]
