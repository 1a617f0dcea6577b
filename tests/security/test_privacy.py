"""Privacy: no commenter e-mail in any public output; address retention; export and erase on request."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select

from blog.extensions import db
from blog.models import Article, Ban, Comment, CommentStatus, PrivacyKind, PrivacyRequest, utcnow
from tests.conftest import csrf_token
from tests.security.test_authorization_matrix import MATRIX

EMAILS = ["layla.private@example.org", "Omar.Hidden@Example.org", "مستخدم@مثال.المغرب"]


from blog.pagecache import ALL_ARTICLES, invalidate_article  # noqa: E402
from blog.services.comments import refresh_counters  # noqa: E402


def plant_commenters(app, slug):
    """Published, pending and rejected comments by three people, some of them replies."""
    client = app.test_client()
    token = csrf_token(client.get(f"/articles/{slug}").get_data(as_text=True))
    for i, email in enumerate(EMAILS):
        for n in range(2):
            response = client.post(f"/articles/{slug}/comments", data={
                "author_name": f"كاتب {i}", "author_email": email, "body": f"تعليق {i}-{n} عن الموضوع",
                "csrf_token": token,
            })
            assert response.status_code == 303
    with app.app_context():
        rows = db.session.scalars(select(Comment).where(Comment.author_name.like("كاتب%")).order_by(Comment.id)).all()
        for comment in rows[:4]:
            comment.status = CommentStatus.PUBLISHED
        db.session.commit()
        refresh_counters(rows[0].article_id)
        invalidate_article(ALL_ARTICLES)
        return [c.author_email for c in rows]


def crawl(client, start_urls):
    """Every same-site page reachable from start_urls by GET (links, and feeds/JSON if any), with its response."""
    seen, queue, pages = set(), list(start_urls), []
    while queue and len(seen) < 400:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        pages.append((url, response))
        if response.mimetype == "text/html":
            for href in re.findall(r'href="([^"]+)"', response.get_data(as_text=True)):
                href = href.replace("&amp;", "&")
                target = urljoin(url, href)
                parts = urlsplit(target)
                if parts.netloc in ("", "localhost") and parts.path.startswith("/"):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return pages


def test_no_public_output_holds_a_commenters_email(app, world):
    stored = plant_commenters(app, world["slug"])
    client = app.test_client()
    # Links from the front page, plus every GET route that takes no argument, in each language.
    starts = ["/"] + [route for method, route in MATRIX if method == "GET" and "<" not in route]
    starts += [f"/articles/{world['slug']}?lang={lang}" for lang in ("ar", "fr", "en")]
    pages = crawl(client, starts)
    assert len(pages) >= 8
    kinds = set()
    needles = {e.lower() for e in EMAILS + stored} | {e.split("@")[0].lower() for e in EMAILS}
    for url, response in pages:
        kinds.add(response.mimetype)
        text = (response.get_data(as_text=True) + "\n" + str(response.headers)).lower()
        for needle in needles:
            assert needle not in text, f"{needle} appears in {url}"
    html = client.get(f"/articles/{world['slug']}").get_data(as_text=True)
    assert "تعليق 0-0 عن الموضوع" in html  # the crawl looked at pages that show these people's comments


def test_comment_addresses_are_stored_shortened(app, world):
    client = app.test_client()
    token = csrf_token(client.get(f"/articles/{world['slug']}").get_data(as_text=True))
    for address in ("203.0.113.77", "2001:db8:1234:5678::9"):
        client.post(f"/articles/{world['slug']}/comments", environ_base={"REMOTE_ADDR": address}, data={
            "author_name": "ع", "author_email": "addr@example.org", "body": f"من {address}", "csrf_token": token,
        })
    with app.app_context():
        addresses = {c.address for c in db.session.scalars(select(Comment).where(Comment.author_email == "addr@example.org"))}
    assert addresses == {"203.0.113.0/24", "2001:db8:1234::/48"}


def test_purge_addresses_blanks_old_ones_and_records_it(app, world, runner):
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == world["slug"]))
        now = utcnow()
        for days, address in ((45, "203.0.113.0/24"), (31, "198.51.100.0/24"), (2, "192.0.2.0/24")):
            db.session.add(Comment(article_id=article.id, author_name="ق", author_email="p@example.org", body=str(days),
                                   address=address, created_at=now - timedelta(days=days)))
        db.session.commit()
    app.config["ADDRESS_RETENTION_DAYS"] = 30
    result = runner.invoke(args=["privacy", "purge-addresses"])
    assert result.exit_code == 0, result.output
    assert "purged the address of 2 comment(s)" in result.output
    with app.app_context():
        left = {c.body: c.address for c in db.session.scalars(select(Comment).where(Comment.author_email == "p@example.org"))}
        audit = db.session.scalars(select(PrivacyRequest)).one()
    assert left == {"45": "", "31": "", "2": "192.0.2.0/24"}
    assert audit.kind is PrivacyKind.PURGE_ADDRESSES and audit.affected == 2 and audit.details == {"retention_days": 30}
    # --days overrides the setting.
    assert "1 comment(s)" in runner.invoke(args=["privacy", "purge-addresses", "--days", "1"]).output


def test_export_prints_a_persons_data_as_json(app, world, runner):
    plant_commenters(app, world["slug"])
    with app.app_context():
        db.session.add(Ban(email="layla.private@example.org", reason="spam"))
        db.session.commit()
    result = runner.invoke(args=["privacy", "export", "LAYLA.private@example.org"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [c["body"] for c in data["comments"]] == ["تعليق 0-0 عن الموضوع", "تعليق 0-1 عن الموضوع"]
    assert {c["email"] for c in data["comments"]} == {"layla.private@example.org"}
    assert data["comments"][0]["article"] == world["slug"] and data["comments"][0]["status"] == "published"
    assert data["bans"][0]["reason"] == "spam"
    with app.app_context():
        audit = db.session.scalars(select(PrivacyRequest)).one()
    assert audit.kind is PrivacyKind.EXPORT and audit.affected == 2
    assert "layla" not in audit.subject_hash and len(audit.subject_hash) == 64


def test_erase_anonymizes_comments_keeps_the_thread_and_records_it(app, world, runner):
    plant_commenters(app, world["slug"])
    cached = app.test_client().get(f"/articles/{world['slug']}").get_data(as_text=True)  # now in the page cache
    assert "كاتب 1" in cached
    result = runner.invoke(args=["privacy", "erase", "omar.hidden@example.org", "--yes"])
    assert result.exit_code == 0, result.output
    assert "anonymized 2 comment(s)" in result.output
    with app.app_context():
        erased = db.session.scalars(select(Comment).where(Comment.body.like("تعليق 1-%")).order_by(Comment.id)).all()
        others = db.session.scalars(select(Comment).where(Comment.body.like("تعليق 0-%"))).all()
        audit = db.session.scalars(select(PrivacyRequest)).one()
    assert len(erased) == 2
    assert all(c.author_name == "" and c.author_email == "" and c.address == "" for c in erased)
    assert all(c.author_email == "layla.private@example.org" for c in others)
    assert audit.kind is PrivacyKind.ERASE and audit.affected == 2 and audit.operator.startswith("cli")
    for reader in (app.test_client(), app.test_client(use_cookies=False)):  # through Flask and the page front
        html = reader.get(f"/articles/{world['slug']}").get_data(as_text=True)
        assert "تعليق 1-0 عن الموضوع" in html and "قارئ مجهول" in html and "كاتب 1" not in html
    # Nothing left to export.
    assert json.loads(runner.invoke(args=["privacy", "export", "omar.hidden@example.org"]).output)["comments"] == []


def test_erase_takes_the_person_out_of_the_audit_trail_and_ban_reasons(app, world, runner):
    """A moderator's note naming them, a text kept from before an edit that took their name out, a ban's reason: all
    lose the name and the address; the ban still holds the address; the export lists the steps first."""
    from blog.models import ActionKind, ModerationAction, Role, User
    from blog.services import moderation
    from blog.moderation.types import Rule
    from tests.conftest import make_user

    plant_commenters(app, world["slug"])
    make_user(app, Role.MODERATOR, "mod@example.org")
    with app.test_request_context("/"):
        actor = db.session.scalars(select(User).where(User.email == "mod@example.org")).one()
        first, second = db.session.scalars(
            select(Comment).where(Comment.author_email == "layla.private@example.org").order_by(Comment.id)).all()
        moderation.decide(moderation.Decision(first.id, ActionKind.REJECT, first.version, Rule.INSULT,
                                              note="كاتب 0 (Layla.Private@example.org) يكرر نفس الكلام"), actor)
        second.body = "أنا كاتب 0، اكتبوا لي على layla.private@example.org"
        db.session.commit()
        moderation.edit_comment(second.id, second.version, "تعليق بعد التعديل", "حذف الاسم والبريد", actor)
        db.session.add(Ban(email="layla.private@example.org", reason="كاتب 0 يسب الجميع", actor_id=actor.id))
        db.session.add(Ban(email="other@example.org", reason="كاتب 0 آخر"))  # another person's ban: untouched
        # Their name as a moderator may write it: one word of it, inside a longer word left alone.
        db.session.add(Ban(email="Layla.Private@example.org", reason="Layla again; not Laylani, كاتب 0"))
        second.author_name = "Layla (Rabat)!"  # another name on another comment
        db.session.commit()
    exported = json.loads(runner.invoke(args=["privacy", "export", "layla.private@example.org"]).output)
    assert [step["action"] for step in exported["moderation"]][-2:] == ["reject", "edit"]
    assert "يكرر نفس الكلام" in exported["moderation"][-2]["note"]

    result = runner.invoke(args=["privacy", "erase", "layla.private@example.org", "--yes"])
    assert result.exit_code == 0, result.output
    assert "anonymized 2 comment(s)" in result.output and "2 ban(s) in force still hold this address" in result.output
    with app.app_context():
        texts = [text for step in db.session.scalars(select(ModerationAction))
                 for text in (step.reason, step.text_snapshot, step.after_text) if text]
        assert not [t for t in texts if "كاتب 0" in t or "layla" in t.lower()], texts
        assert "[…] ([…]) يكرر نفس الكلام" in texts
        assert "أنا […]، اكتبوا لي على […]" in texts
        bans = {ban.email: ban.reason for ban in db.session.scalars(select(Ban))}
        assert bans["layla.private@example.org"] == "[…] يسب الجميع" and bans["other@example.org"] == "كاتب 0 آخر"
        assert bans["Layla.Private@example.org"] == "[…] again; not Laylani, […]"
        audit = db.session.scalars(select(PrivacyRequest).where(PrivacyRequest.kind == PrivacyKind.ERASE)).one()
        assert audit.details == {"audit_steps": 2, "bans": 2}


def test_erase_asks_before_acting(app, world, runner):
    plant_commenters(app, world["slug"])
    result = runner.invoke(args=["privacy", "erase", "layla.private@example.org"], input="n\n")
    assert result.exit_code == 1
    with app.app_context():
        assert db.session.scalars(select(PrivacyRequest)).first() is None


def test_erased_authors_are_not_one_author_in_the_queue(app, world, runner, staff_client):
    """Two people's data erased: their comments keep no e-mail, and the queue does not add them up as one
    author's record, nor offers to decide or ban "this author" (an empty address)."""
    from blog.models import Role

    plant_commenters(app, world["slug"])
    for email in EMAILS[1:]:
        assert runner.invoke(args=["privacy", "erase", email, "--yes"]).exit_code == 0
    moderator = staff_client(Role.MODERATOR)
    with app.app_context():
        waiting = db.session.scalars(select(Comment.id).where(Comment.status == CommentStatus.PENDING,
                                                              Comment.author_email == "")).all()
    assert len(waiting) == 2
    html = moderator.get(f"/moderation/comments/{waiting[0]}").get_data(as_text=True)
    card = html.split(f'id="comment-{waiting[0]}"', 1)[1].split("</article>", 1)[0]
    assert "سجل الكاتب" not in card and 'name="author"' not in card and "email=&" not in card
    assert "حُذفت بيانات كاتبه بطلب منه." in card
