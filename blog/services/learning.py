"""Training the learned score from the site's own moderator decisions and imported history."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import ActionKind, Comment, ModerationAction
from ..moderation.evaluation import examples_from_csv
from ..moderation.scoring import SITE_SOURCE, Example, LearnedScorer, train
from ..moderation.types import Rule
from .screening import forget_screener, get_screener

# A human approval says "clean"; a human rejection for a rule says "offensive, for that rule".
# Spam is operational (advertising, floods), not language: it does not teach the offensive score.
_LABEL = {ActionKind.APPROVE: 0, ActionKind.REJECT: 1}


def site_examples() -> list[Example]:
    """One example per comment whose latest human decision was an approval or a rejection."""
    rows = db.session.execute(
        select(ModerationAction.comment_id, ModerationAction.action, ModerationAction.rule, Comment.body)
        .join(Comment, Comment.id == ModerationAction.comment_id)
        .where(ModerationAction.actor_id.is_not(None))
        .where(ModerationAction.action.in_([ActionKind.APPROVE, ActionKind.REJECT, ActionKind.SPAM, ActionKind.UNDO]))
        .order_by(ModerationAction.comment_id, ModerationAction.created_at, ModerationAction.id)
    ).all()
    latest: dict[int, tuple] = {}
    for comment_id, action, rule, body in rows:
        latest[comment_id] = (action, rule, body)
    examples = []
    for action, rule, body in latest.values():
        if action not in _LABEL:
            continue
        code = rule if rule in {r.value for r in Rule} and rule != Rule.SPAM.value else None
        if action is ActionKind.REJECT and code is None:
            continue
        examples.append(Example(text=body, offensive=_LABEL[action], rule=code, source=SITE_SOURCE))
    return examples


def retrain(csv_paths: Iterable[str | Path] = (), *, progress: Callable[[str], None] | None = None) -> LearnedScorer:
    """Train on the site's decisions plus the given CSV files, save next to the site, reload."""
    examples = site_examples()
    for path in csv_paths:
        examples.extend(examples_from_csv(path))
    screener = get_screener()
    model = train(examples, screener.analyze, progress=progress)
    model.save(current_app.config["MODEL_PATH"])
    forget_screener()
    return model
