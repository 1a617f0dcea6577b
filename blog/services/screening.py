"""Builds the screening pipeline from the site's terms, model and settings, and keeps it fresh."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import ScreeningTerm, SiteState
from ..moderation.pipeline import Screener
from ..moderation.rules import load_shipped_terms
from ..moderation.scoring import NullScorer, load_scorer
from ..moderation.types import Mode, Rule, Settings, Severity, Term

TERMS_VERSION_KEY = "terms_version"
MODE_KEY = "moderation_mode"
_MODE_VALUES = {Mode.PRE: 0, Mode.POST: 1}


@dataclass
class _Cached:
    screener: Screener
    terms_version: int
    model_mtime: float
    checked_at: float


_lock = threading.Lock()
_cache: dict[str, _Cached] = {}


def site_settings(config, mode: Mode | None = None) -> Settings:
    """The screening settings of this site, from its configuration (`mode`: an admin's choice over it)."""
    return Settings(
        mode=mode or Mode(config["MODERATION_MODE"]),
        hold_threshold=config["MODERATION_HOLD_THRESHOLD"],
        reject_threshold=config["MODERATION_REJECT_THRESHOLD"],
        auto_publish_known_authors=config["MODERATION_AUTO_PUBLISH_KNOWN"],
        max_links=config["MODERATION_MAX_LINKS"],
        flood_limit=config["MODERATION_FLOOD_LIMIT"],
    )


def moderation_mode() -> Mode:
    """Pre- or post-moderation: the admins' choice when they made one, else the configuration's MODERATION_MODE."""
    state = db.session.get(SiteState, MODE_KEY)
    if state is None:
        return Mode(current_app.config["MODERATION_MODE"])
    return Mode.POST if state.value == _MODE_VALUES[Mode.POST] else Mode.PRE


def set_moderation_mode(mode: Mode) -> None:
    """An admin's choice of mode: every process screens with it within TERMS_REFRESH_SECONDS (its screener is
    rebuilt, as after a change to the term lists); new comments only, nothing decided changes."""
    state = db.session.get(SiteState, MODE_KEY)
    if state is None:
        state = SiteState(key=MODE_KEY)
        db.session.add(state)
    state.value = _MODE_VALUES[mode]
    bump_terms_version()
    db.session.commit()
    forget_screener()


def terms_version() -> int:
    """The version stamp of the term lists and the moderation mode, bumped by every admin change."""
    state = db.session.get(SiteState, TERMS_VERSION_KEY)
    return state.value if state else 0


def bump_terms_version() -> None:
    """Mark the term lists as changed, so every process reloads them (caller commits)."""
    state = db.session.get(SiteState, TERMS_VERSION_KEY)
    if state is None:
        db.session.add(SiteState(key=TERMS_VERSION_KEY, value=1))
    else:
        state.value += 1


def database_terms() -> list[Term]:
    """The enabled terms stored in the database, as screening values."""
    rows = db.session.scalars(select(ScreeningTerm).where(ScreeningTerm.enabled.is_(True))).all()
    return [
        Term(text=row.text, rule=Rule(row.rule), severity=Severity(row.severity), lang=row.lang, stem=row.stem)
        for row in rows
    ]


def load_shipped_terms_into_db() -> tuple[int, int]:
    """Insert the project's starter lists, keeping admins' edits; returns (added, kept)."""
    existing = {(t.text, t.rule, t.lang) for t in db.session.scalars(select(ScreeningTerm))}
    added = 0
    for term in load_shipped_terms():
        key = (term.text, term.rule.value, term.lang)
        if key in existing:
            continue
        existing.add(key)
        db.session.add(
            ScreeningTerm(
                text=term.text, rule=term.rule.value, severity=term.severity.value,
                lang=term.lang, stem=term.stem, shipped=True,
            )
        )
        added += 1
    if added:
        bump_terms_version()
    db.session.commit()
    return added, len(existing) - added


def _model_mtime(path: str) -> float:
    meta = Path(path)
    try:
        return max(p.stat().st_mtime for p in meta.parent.glob(meta.name + "*"))
    except ValueError:
        return 0.0


def get_screener() -> Screener:
    """The screener for this app, rebuilt when the terms or the model change."""
    app = current_app._get_current_object()
    key = app.import_name + str(id(app))
    now = time.monotonic()
    cached = _cache.get(key)
    if cached and now - cached.checked_at < app.config["TERMS_REFRESH_SECONDS"]:
        return cached.screener
    try:
        version = terms_version()
    except SQLAlchemyError:  # no schema yet (e.g. the CLI on a fresh instance): the shipped lists
        db.session.rollback()
        version = -1
    mtime = _model_mtime(app.config["MODEL_PATH"])
    with _lock:
        cached = _cache.get(key)
        if cached and cached.terms_version == version and cached.model_mtime == mtime:
            cached.checked_at = now
            return cached.screener
        scorer = load_scorer(app.config["MODEL_PATH"]) if mtime else NullScorer()
        terms = database_terms() if version >= 0 else load_shipped_terms()
        mode = moderation_mode() if version >= 0 else None
        screener = Screener(terms, scorer=scorer, settings=site_settings(app.config, mode))
        _cache[key] = _Cached(screener, version, mtime, now)
        return screener


def forget_screener() -> None:
    """Drop cached screeners (after a change made in this process)."""
    _cache.clear()
