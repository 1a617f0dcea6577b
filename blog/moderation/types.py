"""Value types shared by every stage of the screening pipeline (no Flask, no database)."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Rule(str, enum.Enum):
    """The posting rules a hit can be filed under; their values are the reason codes."""

    INSULT = "insult"
    RELIGION = "religion"
    INCITEMENT = "incitement"
    SPAM = "spam"


class Severity(str, enum.Enum):
    """How serious a hit is: `hold` sends to a human, `reject` refuses automatically."""

    HOLD = "hold"
    REJECT = "reject"


class Action(str, enum.Enum):
    """What the pipeline decides to do with a comment."""

    PUBLISH = "publish"
    HOLD = "hold"
    REJECT = "reject"


class Mode(str, enum.Enum):
    """Site moderation mode."""

    PRE = "pre"    # everything waits for a human unless allowed to auto-publish
    POST = "post"  # clean comments publish at once, flagged ones wait


@dataclass(frozen=True, slots=True)
class Term:
    """One entry of a term list: a normalized form matched on whole tokens or stems."""

    text: str
    rule: Rule
    severity: Severity
    lang: str = "ar"          # ar, darija, darija_latn, fr, en
    stem: bool = False        # True: also match the token with clitics/inflection around this stem
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule hit: which rule, what matched, how severe, and where in the original text."""

    rule: Rule
    term: str                 # the term or signal name (e.g. "links>3", "duplicate")
    severity: Severity
    start: int = 0            # span in the ORIGINAL text, [start, end)
    end: int = 0
    signal: bool = False      # True for structural signals (no span)


@dataclass(frozen=True, slots=True)
class Context:
    """What the web layer knows about the comment's circumstances, as plain values."""

    author_approved_count: int = 0      # earlier approved comments by this author (the app counts 0 or 1)
    recent_duplicate: bool = False      # same text posted recently
    recent_count_author: int = 0        # comments by this author/address in the flood window (up to flood_limit + 1)
    banned: bool = False                # author or address is banned


@dataclass(frozen=True, slots=True)
class Settings:
    """Site settings that shape the decision."""

    mode: Mode = Mode.POST
    hold_threshold: float = 0.5         # score at or above which a clean-by-rules comment is held
    reject_threshold: float = 0.97      # score at or above which a comment is rejected automatically
    publish_threshold: float = 0.5      # score below which a comment may auto-publish
    auto_publish_known_authors: bool = True
    max_links: int = 3
    flood_limit: int = 5


@dataclass(frozen=True, slots=True)
class Reason:
    """A decision reason a person can read, in Arabic, French and English."""

    code: str
    ar: str
    fr: str
    en: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of screening one comment."""

    action: Action
    hits: tuple[Hit, ...] = ()
    score: float = 0.0
    reasons: tuple[Reason, ...] = field(default=())
    scored: bool = True  # False when no learned model gave the score (a site without one: rules alone decide)

    @property
    def rules(self) -> tuple[str, ...]:
        """Distinct rule codes hit, in a stable order."""
        seen: list[str] = []
        for hit in self.hits:
            if hit.rule.value not in seen:
                seen.append(hit.rule.value)
        return tuple(seen)
