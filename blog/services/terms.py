"""Admins' edits to the screening term lists; every change reaches every process without a restart."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from .. import signals
from ..extensions import db
from ..models import ScreeningTerm
from ..models.types import holds_text
from ..moderation.rules import text_words
from ..moderation.types import Rule, Severity
from .articles import paginate
from .comments import Page
from .errors import InvalidTransition, NotFound
from .screening import bump_terms_version, forget_screener

LANGS = ("ar", "darija", "darija_latn", "fr", "en")


@dataclass(frozen=True, slots=True)
class TermDraft:
    """A new term as an admin typed it."""

    text: str
    rule: Rule
    severity: Severity
    lang: str
    stem: bool = False


def list_terms(page: int, per_page: int, query: str = "", rule: str = "", lang: str = "") -> Page:
    """A page of terms, filtered by text, rule and language."""
    stmt = select(ScreeningTerm)
    if query:
        stmt = stmt.where(holds_text(ScreeningTerm.text, query))  # "حِمار" and "حمـار" find "حمار"
    if rule:
        stmt = stmt.where(ScreeningTerm.rule == rule)
    if lang:
        stmt = stmt.where(ScreeningTerm.lang == lang)
    return paginate(
        stmt.order_by(ScreeningTerm.rule, ScreeningTerm.lang, ScreeningTerm.text, ScreeningTerm.id), page, per_page
    )


def _changed() -> None:
    bump_terms_version()
    db.session.commit()
    forget_screener()
    signals.terms_changed.send(current_app._get_current_object())


def add_term(draft: TermDraft) -> tuple[ScreeningTerm, bool]:
    """Add a term, or re-enable the same one (rule, language, and text as the screening reads it: "بَطَاطِس" is
    "بطاطس", "ZAMEL" is "zamel"; the first spelling stays) with the new severity; (term, whether new)."""
    if draft.lang not in LANGS:
        raise InvalidTransition(f"unknown language {draft.lang}")
    text = " ".join(draft.text.split())
    words = text_words(text)  # as the screening reads them: one case, no harakat or tatweel
    existing = next((
        term for term in db.session.scalars(
            select(ScreeningTerm).where(ScreeningTerm.rule == draft.rule.value, ScreeningTerm.lang == draft.lang)
            .order_by(ScreeningTerm.id))
        if term.text == text or (words and text_words(term.text) == words)
    ), None)
    term = existing or ScreeningTerm(text=text, rule=draft.rule.value, lang=draft.lang, shipped=False)
    term.severity = draft.severity.value
    term.stem = draft.stem
    term.enabled = True
    db.session.add(term)
    _changed()
    return term, existing is None


def _term(term_id: int) -> ScreeningTerm:
    term = db.session.get(ScreeningTerm, term_id)
    if term is None:
        raise NotFound(term_id)
    return term


def set_enabled(term_id: int, enabled: bool) -> ScreeningTerm:
    """Enable or disable a term."""
    term = _term(term_id)
    term.enabled = enabled
    _changed()
    return term


def set_severity(term_id: int, severity: Severity) -> ScreeningTerm:
    """Change whether a term holds a comment for a human or rejects it."""
    term = _term(term_id)
    term.severity = severity.value
    _changed()
    return term
