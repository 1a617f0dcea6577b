"""Screening inside the app: first status by verdict, reasons on record, overturning, live term edits, learning."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from blog.extensions import db
from blog.models import ActionKind, Comment, CommentStatus, ModerationAction, Role
from blog.moderation.types import Rule, Severity
from blog.services import comments as comment_service
from blog.services import moderation as moderation_service
from blog.services import terms as term_service
from blog.services.screening import forget_screener
from tests.conftest import make_user

CLEAN = "شكرا على هذا المقال المفيد، أتمنى أن تتابعوا الموضوع."
OFFENSIVE = "انت حمار وما كتفهم والو"  # a hold or reject term of the shipped Darija list


def submit(app, article, body, email="reader@example.org"):
    with app.test_request_context("/"):
        comment = comment_service.submit_comment(comment_service.CommentDraft(
            article_id=article["id"], author_name="قارئ", author_email=email, body=body, address="192.0.2.0/24"))
        return comment.id


def set_mode(app, mode):
    app.config["MODERATION_MODE"] = mode
    forget_screener()


def status_of(app, comment_id):
    with app.app_context():
        return db.session.get(Comment, comment_id).status


def test_post_moderation_publishes_clean_and_stops_offensive(app, article):
    set_mode(app, "post")
    clean = submit(app, article, CLEAN)
    bad = submit(app, article, OFFENSIVE, email="other@example.org")
    assert status_of(app, clean) is CommentStatus.PUBLISHED
    with app.app_context():
        comment = db.session.get(Comment, bad)
        assert comment.status in (CommentStatus.PENDING, CommentStatus.REJECTED)
        assert comment.screen_rules == "insult"
        hit = comment.screen_details["hits"][0]
        assert OFFENSIVE[hit["start"]:hit["end"]] == "حمار"
        reasons = comment.screen_details["reasons"]
        assert reasons and all(r["ar"] and r["fr"] and r["en"] for r in reasons)
        audit = db.session.scalars(select(ModerationAction).where(ModerationAction.comment_id == bad)).one()
        assert audit.action is ActionKind.SCREEN and audit.actor_id is None and audit.rule == "insult"
        assert audit.text_snapshot == OFFENSIVE and audit.reason == " · ".join(r["en"] for r in reasons)
        assert audit.reasons == reasons  # each language, as the queue shows them
    page = app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert CLEAN in page and OFFENSIVE not in page


def test_pre_moderation_holds_clean_comments_except_from_known_authors(app, article):
    set_mode(app, "pre")
    first = submit(app, article, CLEAN)
    assert status_of(app, first) is CommentStatus.PENDING
    moderator_id = make_user(app, Role.MODERATOR)
    with app.test_request_context("/"):
        from blog.models import User

        moderation_service.decide(moderation_service.Decision(first, ActionKind.APPROVE), db.session.get(User, moderator_id))
    second = submit(app, article, "وأضيف أن المكتبة تحتاج إلى مواقف للدراجات.")
    assert status_of(app, second) is CommentStatus.PUBLISHED
    stranger = submit(app, article, "وأضيف أن المكتبة تحتاج إلى مواقف للسيارات.", email="new@example.org")
    assert status_of(app, stranger) is CommentStatus.PENDING


def test_an_automatic_reject_is_kept_and_can_be_overturned(app, article):
    set_mode(app, "post")
    with app.app_context():
        _term, new = term_service.add_term(term_service.TermDraft("كلمةممنوعةللاختبار", Rule.INSULT, Severity.REJECT, "ar"))
        assert new
    rejected = submit(app, article, "هذا التعليق فيه كلمةممنوعةللاختبار واضحة")
    assert status_of(app, rejected) is CommentStatus.REJECTED
    moderator_id = make_user(app, Role.MODERATOR)
    with app.test_request_context("/"):
        from blog.models import User

        moderation_service.decide(moderation_service.Decision(rejected, ActionKind.APPROVE), db.session.get(User, moderator_id))
    with app.app_context():
        comment = db.session.get(Comment, rejected)
        assert comment.status is CommentStatus.PUBLISHED and comment.screen_action == "reject"
        trail = db.session.scalars(select(ModerationAction).where(ModerationAction.comment_id == rejected)
                                   .order_by(ModerationAction.id)).all()
        assert [(a.action, a.from_status, a.to_status) for a in trail] == [
            (ActionKind.SCREEN, "", "rejected"), (ActionKind.APPROVE, "rejected", "published")]


def test_term_edits_take_effect_without_a_restart(app, article, staff_client):
    from tests.conftest import csrf_token

    set_mode(app, "post")
    word = "بطيخولوجي"
    assert status_of(app, submit(app, article, f"رأي {word} في الموضوع")) is CommentStatus.PUBLISHED
    admin = staff_client(Role.ADMIN)
    token = csrf_token(admin.get("/admin/terms").get_data(as_text=True))
    response = admin.post("/admin/terms", data={"csrf_token": token, "text": word, "rule": "insult",
                                                 "severity": "hold", "lang": "ar"})
    assert response.status_code == 303
    held = submit(app, article, f"رأي آخر {word} هنا", email="b@example.org")
    assert status_of(app, held) is CommentStatus.PENDING
    with app.app_context():
        from blog.models import ScreeningTerm

        term_id = db.session.scalar(select(ScreeningTerm.id).where(ScreeningTerm.text == word))
    admin.post(f"/admin/terms/{term_id}/severity", data={"csrf_token": token, "severity": "reject"})
    assert status_of(app, submit(app, article, f"ثالث {word}", email="c@example.org")) is CommentStatus.REJECTED
    admin.post(f"/admin/terms/{term_id}/disable", data={"csrf_token": token})
    assert status_of(app, submit(app, article, f"رابع {word}", email="d@example.org")) is CommentStatus.PUBLISHED
    # Added again: the same term, enabled with the severity chosen, and the message says so (not "added").
    again = admin.post("/admin/terms", data={"csrf_token": token, "text": word, "rule": "insult", "severity": "hold",
                                             "lang": "ar"}, follow_redirects=True).get_data(as_text=True)
    assert "الكلمة في القائمة من قبل" in again and again.count("أضيفت الكلمة") == 1  # the first add's alone
    assert status_of(app, submit(app, article, f"خامس {word}", email="e@example.org")) is CommentStatus.PENDING
    # Another spelling (harakat, tatweel) is the same term, not a second one left enabled once the first is off.
    again = admin.post("/admin/terms", data={"csrf_token": token, "text": "بَطِّيخولـوجي", "rule": "insult",
                                             "severity": "hold", "lang": "ar"}, follow_redirects=True)
    assert "الكلمة في القائمة من قبل" in again.get_data(as_text=True)
    with app.app_context():
        from blog.models import ScreeningTerm

        assert db.session.scalars(select(ScreeningTerm.text).where(ScreeningTerm.text.contains("وجي"))).all() == [word]
    admin.post(f"/admin/terms/{term_id}/disable", data={"csrf_token": token})
    listing = admin.get(f"/admin/terms?q={word}").get_data(as_text=True)
    assert word in listing
    # The term's rule and language by their names in the page's language, not their codes.
    row = re.search(r'<tr class="disabled">(.*?)</tr>', listing, re.S).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row)[:3] == [word, "إساءة أو شتم", "العربية"]
    english = admin.get(f"/admin/terms?q={word}&lang=en").get_data(as_text=True)
    assert ">Insult or abuse</td>" in english and ">Arabic</td>" in english
    admin.delete_cookie("lang")  # the language an address asked for is kept for the visit: back to the default
    # Filtering by the terms' language (`language`) leaves the interface's (`lang`) as it is.
    french_terms = admin.get(f"/admin/terms?q={word}&language=fr").get_data(as_text=True)
    assert '<html lang="ar"' in french_terms and f'<td dir="auto">{word}' not in french_terms
    assert f'<td dir="auto">{word}' in admin.get(f"/admin/terms?q={word}&language=ar").get_data(as_text=True)
    # Blanks, or symbols alone, are no word: refused with the list's message, nothing stored.
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(ScreeningTerm))
    for blank in ("    ", "*", "!!", "ـــ", "\u200f"):
        refused = admin.post("/admin/terms", data={"csrf_token": token, "text": blank, "rule": "insult",
                                                    "severity": "hold", "lang": "ar"}, follow_redirects=True)
        assert refused.status_code == 422 and "اكتب الكلمة." in refused.get_data(as_text=True), repr(blank)
    # What was typed comes back in the field, with the rule and language chosen.
    refused = admin.post("/admin/terms", data={"csrf_token": token, "text": "***", "rule": "religion",
                                                "severity": "hold", "lang": "fr"}).get_data(as_text=True)
    assert 'value="***"' in refused and '<option selected value="religion">' in refused
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScreeningTerm)) == before


def test_the_term_list_finds_any_spelling_and_its_changes_stay_on_their_page(app, staff_client):
    from tests.conftest import csrf_token

    admin = staff_client(Role.ADMIN)
    token = csrf_token(admin.get("/admin/terms").get_data(as_text=True))
    admin.post("/admin/terms", data={"csrf_token": token, "text": "بطيخولوجي", "rule": "insult", "severity": "hold",
                                     "lang": "ar"})
    for typed in ("بِطيخولوجي", "بطيخولـوجي", "بطيخولوجى", "طيخول"):  # harakat, tatweel, alef maqsura, a part
        assert '<td dir="auto">بطيخولوجي' in admin.get(f"/admin/terms?q={typed}").get_data(as_text=True), typed
    with app.app_context():
        from blog.models import ScreeningTerm

        shown = db.session.scalars(select(ScreeningTerm).order_by(
            ScreeningTerm.rule, ScreeningTerm.lang, ScreeningTerm.text, ScreeningTerm.id)).all()
    per_page = app.config["QUEUE_PER_PAGE"]
    assert len(shown) > 2 * per_page  # the shipped lists
    third = shown[2 * per_page]
    page = admin.get("/admin/terms?page=3&rule=").get_data(as_text=True)
    assert f'/admin/terms/{third.id}/disable?page=3"' in page
    for action, data in (("disable", {}), ("enable", {}), ("severity", {"severity": "reject"})):
        response = admin.post(f"/admin/terms/{third.id}/{action}?page=3", data={"csrf_token": token, **data})
        assert response.status_code == 303 and response.headers["Location"] == "/admin/terms?page=3", action
    assert admin.get("/admin/terms?page=99999999999999999999").status_code == 200  # the last page, no error
    # Every field has a name a screen reader says: a label around it or for it, or an aria-label.
    from html.parser import HTMLParser

    class Fields(HTMLParser):
        def __init__(self):
            super().__init__()
            self.open_labels, self.labelled, self.unnamed = 0, set(), []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "label":
                self.open_labels += 1
                self.labelled.add(attrs.get("for"))
            elif tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
                if not (self.open_labels or attrs.get("aria-label") or attrs.get("id")):
                    self.unnamed.append((tag, attrs.get("name")))

        def handle_endtag(self, tag):
            if tag == "label":
                self.open_labels -= 1

    fields = Fields()
    fields.feed(admin.get("/admin/terms").get_data(as_text=True))
    assert fields.unnamed == []


def test_the_learner_trains_on_decisions_made_in_the_app(app, article, staff_client):
    """Moderators reject comments with an invented insult; the model then scores a new one higher."""
    from blog.services.learning import retrain, site_examples
    from blog.services.screening import get_screener

    set_mode(app, "pre")
    moderator_id = make_user(app, Role.MODERATOR)
    clean_texts = [f"شكرا على المقال رقم {i}، معلومات مفيدة عن التعاونيات والمكتبات" for i in range(40)]
    bad_texts = [f"انت واحد زرقوطي {i} وصاحبك زرقوطي حتى هو" for i in range(40)]
    with app.test_request_context("/"):
        from blog.models import User

        moderator = db.session.get(User, moderator_id)
        for i, text in enumerate(clean_texts + bad_texts):
            comment = comment_service.submit_comment(comment_service.CommentDraft(
                article_id=article["id"], author_name="قارئ", author_email=f"r{i}@example.org", body=text))
            if text in clean_texts:
                decision = moderation_service.Decision(comment.id, ActionKind.APPROVE)
            else:
                decision = moderation_service.Decision(comment.id, ActionKind.REJECT, rule=Rule.INSULT)
            moderation_service.decide(decision, moderator)
        examples = site_examples()
        assert sum(e.offensive for e in examples) == 40 and len(examples) == 80
        probe = "هاد الكاتب زرقوطي بزاف"
        before = get_screener().screen(probe)
        model = retrain()
        after = get_screener().screen(probe)
        clean_after = get_screener().screen("شكرا على المقال، معلومات مفيدة").score
        scored = comment_service.submit_comment(comment_service.CommentDraft(
            article_id=article["id"], author_name="قارئ", author_email="late@example.org", body=probe))
        scored_id, scored_score = scored.id, scored.screen_score
    # Before a model, the verdict says that no model scored it; the queue says so instead of a 0.00.
    assert (before.score, before.scored) == (0.0, False) and after.scored
    assert after.score > 0.5 > clean_after
    assert model.metadata["examples"]["by_source"]["site"] == {"offensive": 40, "clean": 40}
    moderator_client = staff_client(Role.MODERATOR)
    item = moderator_client.get(f"/moderation/comments/{scored_id}").get_data(as_text=True)
    assert f'<strong class="score">{scored_score:.2f}</strong>' in item and "لا نموذج متعلم بعد" not in item
    earlier = moderator_client.get("/moderation/comments/1").get_data(as_text=True)
    assert '<strong class="score">—</strong>' in earlier


def test_screening_counts_stop_where_the_decisions_do_yet_decide_as_full_counts(app, article):
    """The author's approved comments are counted 0 or 1, their recent ones up to the flood limit plus one,
    by e-mail or address, each comment once: over the limit exactly when all of them are."""
    from blog.models import utcnow

    app.config["MODERATION_FLOOD_LIMIT"] = 3

    def add(email, address, status=CommentStatus.PENDING, n=1):
        with app.app_context():
            for i in range(n):
                db.session.add(Comment(article_id=article["id"], author_name="قارئ", author_email=email,
                                       address=address, body=f"تعليق {email} {address} {i}", status=status,
                                       created_at=utcnow()))
            db.session.commit()

    def context(email="me@example.org", address="192.0.2.0/24"):
        with app.test_request_context("/"):
            return comment_service.screening_context(comment_service.CommentDraft(
                article_id=article["id"], author_name="قارئ", author_email=email, body="نص جديد", address=address))

    assert (context().author_approved_count, context().recent_count_author) == (0, 0)
    add("me@example.org", "198.51.100.0/24", n=2)  # by e-mail, from elsewhere
    add("other@example.org", "192.0.2.0/24", n=1)  # by address, another e-mail
    assert context().recent_count_author == 3  # not over a limit of 3
    add("ME@example.org", "192.0.2.0/24")  # both ways: one comment, counted once
    assert context().recent_count_author == 4  # over it
    add("crowd@example.org", "192.0.2.0/24", n=30)  # a crowd behind the same address
    assert 3 < context().recent_count_author <= 8
    assert context(address="203.0.113.0/24").recent_count_author == 3  # by e-mail alone: 3 of mine
    add("me@example.org", "198.51.100.0/24", status=CommentStatus.PUBLISHED, n=5)
    assert context(address="").author_approved_count == 1
    assert context(email="new@example.org", address="").author_approved_count == 0


def test_whether_an_author_has_an_approved_comment_is_answered_by_an_index(app):
    """The look-up reads one index entry at most, whatever the number of the author's other comments
    (the index holds lower(e-mail) and the status)."""
    from sqlalchemy import text

    query = ("SELECT id FROM comments WHERE lower(author_email) = 'reader@example.org' AND status = 'published'"
             " LIMIT 1")
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + query)))
            assert "ix_comments_author_email_lower_status (<expr>=? AND status=?)" in plan, plan
        else:
            db.session.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table: the index's plan anyway
            plan = " ".join(row[0] for row in db.session.execute(text("EXPLAIN " + query)))
            assert "ix_comments_author_email_lower_status" in plan and "status" in plan.split("Index Cond")[1], plan
        db.session.rollback()


def test_demo_comments_carry_what_the_engine_found(app):
    """The demo's statuses are its own (to show every state); its comments' hits, score and reasons are the
    engine's, so the queue shows what screening does."""
    from blog.demo import COMMENTS, load_demo_content
    from blog.services.screening import load_shipped_terms_into_db

    with app.app_context():
        load_shipped_terms_into_db()
        assert load_demo_content()
        rows = {c.body: c for c in db.session.scalars(select(Comment))}
        assert [rows[body].status for _n, _e, body, _s in COMMENTS] == [s for _n, _e, _b, s in COMMENTS]
        insult = next(c for c in rows.values() if "حمار" in c.body)
        assert "insult" in insult.screen_rules.split(",") and insult.screen_action in ("hold", "reject")
        hit = next(h for h in insult.screen_details["hits"] if h["rule"] == "insult")
        assert insult.body[hit["start"]:hit["end"]] == "حمار"
        links = next(c for c in rows.values() if "http://" in c.body)
        assert "spam" in links.screen_rules.split(",")
        assert all(c.screen_action and c.screen_details["reasons"] for c in rows.values())
        audit = db.session.scalars(select(ModerationAction).where(ModerationAction.comment_id == insult.id)).one()
        assert audit.rule == insult.screen_rules
        assert audit.reasons[:-1] == insult.screen_details["reasons"] and audit.reasons[-1]["code"] == "demo"
