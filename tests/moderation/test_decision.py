"""The decision policy: severities, thresholds, pre/post-moderation, known authors, bans, reasons."""
from __future__ import annotations

import pytest

from blog.moderation.decision import decide
from blog.moderation.reasons import reports_reason, score_reason, uncertain_reason
from blog.moderation.types import Action, Context, Hit, Mode, Rule, Settings, Severity

POST = Settings(mode=Mode.POST)
PRE = Settings(mode=Mode.PRE)
INSULT_HOLD = Hit(Rule.INSULT, "حمار", Severity.HOLD, 4, 8)
RELIGION_REJECT = Hit(Rule.RELIGION, "religion-term", Severity.REJECT, 0, 3)
LINKS = Hit(Rule.SPAM, "links>3", Severity.HOLD, signal=True)


@pytest.mark.parametrize("settings", [POST, PRE], ids=["post", "pre"])
def test_reject_severity_rejects_whatever_the_score(settings):
    v = decide([RELIGION_REJECT], 0.0, Context(), settings)
    assert v.action is Action.REJECT
    assert v.rules == ("religion",)


@pytest.mark.parametrize("settings", [POST, PRE], ids=["post", "pre"])
def test_hold_severity_holds(settings):
    v = decide([INSULT_HOLD], 0.0, Context(author_approved_count=10), settings)
    assert v.action is Action.HOLD
    assert v.rules == ("insult",)


def test_reject_wins_over_hold_and_every_hit_is_kept():
    v = decide([INSULT_HOLD, RELIGION_REJECT, LINKS], 0.1, Context(), POST)
    assert v.action is Action.REJECT
    assert set(v.rules) == {"insult", "religion", "spam"}
    assert len(v.reasons) == 3
    assert v.hits[0] is RELIGION_REJECT  # the heaviest reason first


def test_a_word_read_as_several_entries_is_explained_once_and_every_hit_is_kept():
    """"7mar" is the Latin-script entry, and reads as "حمار" and "حماره": one reason, three hits."""
    same_word = [Hit(Rule.INSULT, term, Severity.HOLD, 4, 8) for term in ("7mar", "حمار", "حماره")]
    v = decide([*same_word, RELIGION_REJECT], 0.0, Context(), POST, text="nta 7mar")
    insults = [r for r in v.reasons if r.code == "insult"]
    assert len(insults) == 1 and "7mar" in insults[0].en and len(v.hits) == 4
    elsewhere = Hit(Rule.INSULT, "حمار", Severity.HOLD, 10, 14)  # the same entry, another word: its own reason
    assert len([r for r in decide([*same_word, elsewhere], 0.0, Context(), POST).reasons if r.code == "insult"]) == 2


@pytest.mark.parametrize("score, action", [
    (0.99, Action.REJECT),   # >= reject_threshold (0.97)
    (0.97, Action.REJECT),
    (0.96, Action.HOLD),     # >= hold_threshold (0.5)
    (0.5, Action.HOLD),
    (0.49, Action.PUBLISH),  # below the publish threshold (0.5 by default)
    (0.0, Action.PUBLISH),
])
def test_score_thresholds_under_post_moderation(score, action):
    v = decide([], score, Context(), POST)
    assert v.action is action
    assert v.score == score


def test_publish_threshold_from_the_model_holds_uncertain_comments():
    v = decide([], 0.3, Context(), POST, publish_threshold=0.2)
    assert v.action is Action.HOLD
    assert v.reasons[0].code == "score"
    assert decide([], 0.1, Context(), POST, publish_threshold=0.2).action is Action.PUBLISH


def test_custom_thresholds_from_settings():
    s = Settings(mode=Mode.POST, hold_threshold=0.3, reject_threshold=0.6, publish_threshold=0.3)
    assert decide([], 0.65, Context(), s).action is Action.REJECT
    assert decide([], 0.35, Context(), s).action is Action.HOLD
    assert decide([], 0.25, Context(), s).action is Action.PUBLISH


def test_pre_moderation_holds_clean_comments_of_new_authors():
    v = decide([], 0.0, Context(author_approved_count=0), PRE)
    assert v.action is Action.HOLD
    assert [r.code for r in v.reasons] == ["pre_moderation"]


def test_pre_moderation_publishes_clean_comments_of_known_authors():
    v = decide([], 0.1, Context(author_approved_count=3), PRE)
    assert v.action is Action.PUBLISH
    assert [r.code for r in v.reasons] == ["known_author"]


def test_pre_moderation_known_author_still_needs_a_low_score():
    assert decide([], 0.3, Context(author_approved_count=3), PRE,
                  publish_threshold=0.2).action is Action.HOLD


def test_pre_moderation_without_known_author_auto_publish():
    s = Settings(mode=Mode.PRE, auto_publish_known_authors=False)
    assert decide([], 0.0, Context(author_approved_count=50), s).action is Action.HOLD


@pytest.mark.parametrize("settings", [POST, PRE], ids=["post", "pre"])
def test_banned_author_is_rejected(settings):
    v = decide([], 0.0, Context(banned=True, author_approved_count=9), settings)
    assert v.action is Action.REJECT
    assert v.rules == ("spam",)
    assert "banned" in v.reasons[0].en


def test_banned_signal_is_not_doubled():
    banned = Hit(Rule.SPAM, "banned", Severity.REJECT, signal=True)
    v = decide([banned], 0.0, Context(banned=True), POST)
    assert len(v.hits) == 1


def test_reasons_name_rule_and_term_in_three_languages():
    text = "انت حمااار"
    hit = Hit(Rule.INSULT, "حمار", Severity.HOLD, 4, 10)
    v = decide([hit], 0.2, Context(), POST, text=text)
    (r,) = v.reasons
    assert r.code == "insult"
    assert "حمااار" in r.ar and "حمار" in r.ar and "عدم الإساءة" in r.ar
    assert "حمار" in r.fr and "insultes" in r.fr
    assert "حمار" in r.en and "insults" in r.en
    # Each language quotes the words as written and the list's entry with its own marks, never mixed.
    assert r.ar.startswith("كلمة «حمااار» ← «حمار» ")
    assert r.fr.startswith("Le mot «\u00a0حمااار\u00a0» («\u00a0حمار\u00a0» dans la liste) ")
    assert r.en.startswith("The word “حمااار” (listed as “حمار”) ")
    (same,) = decide([Hit(Rule.INSULT, "حمار", Severity.HOLD, 4, 8)], 0.2, Context(), POST, text="انت حمار").reasons
    assert same.en.startswith("The word “حمار” breaks") and "»" not in same.en and "listed" not in same.en


def test_french_reasons_keep_their_punctuation_on_the_line_it_belongs_to():
    """A non-breaking space before « : » and inside « », as the catalogue's strings have (tests/test_catalogues.py):
    a narrow screen never starts a line with the colon or the closing quote."""
    hits = [Hit(Rule.INSULT, "حمار", Severity.HOLD, 4, 10), LINKS, Hit(Rule.SPAM, "duplicate", Severity.HOLD, signal=True)]
    reasons = [*decide(hits, 0.2, Context(), POST, text="انت حمااار").reasons, reports_reason(3, Rule.INSULT, True),
               score_reason(0.93, 0.8, Severity.HOLD), uncertain_reason(0.6, 0.8)]
    assert len(reasons) >= 5
    for reason in reasons:
        assert not any(f" {mark}" in reason.fr for mark in ";:!?»") and "« " not in reason.fr, reason.fr


def test_signal_reasons_are_readable():
    v = decide([LINKS, Hit(Rule.SPAM, "duplicate", Severity.HOLD, signal=True),
                Hit(Rule.SPAM, "flood", Severity.HOLD, signal=True)], 0.0, Context(), POST)
    texts = [r.en for r in v.reasons]
    assert any("more than 3 links" in t.lower() for t in texts)
    assert any("recent comment" in t for t in texts)
    assert any("too many comments" in t.lower() for t in texts)
    assert all(r.ar and r.fr and r.en for r in v.reasons)


def test_score_reasons_give_the_score():
    v = decide([], 0.98, Context(), POST)
    assert v.action is Action.REJECT
    assert "0.98" in v.reasons[0].en and "0.98" in v.reasons[0].ar and "0.98" in v.reasons[0].fr


@pytest.mark.parametrize("score", [float("nan"), -3.0, 7.0, "oops"])
def test_odd_scores_never_publish_blindly(score):
    v = decide([], score, Context(), POST)
    assert 0.0 <= v.score <= 1.0
    if score != -3.0:
        assert v.action is not Action.PUBLISH


def test_clean_post_moderation_has_a_reason():
    v = decide([], 0.0, Context(), POST)
    assert v.action is Action.PUBLISH and v.reasons[0].code == "clean"
