"""E-mail privacy on every page, fragment, JSON answer, header and log line of the conversation."""
from __future__ import annotations

import logging

from blog.models import CommentStatus
from tests.conftest import csrf_token
from tests.views.conversation_helpers import add_comment, post_comment, post_moderation

EMAILS = ["root.author@example.org", "second.level@example.org", "third.level@example.org", "pending.reply@example.org",
          "reader.one@example.org"]


def test_no_conversation_answer_shows_an_email(app, client, article, caplog):
    caplog.set_level(logging.DEBUG)
    post_moderation(app)
    app.config["COMMENTS_PER_PAGE"] = 1
    slug = article["slug"]
    root = add_comment(app, article["id"], "أحمد", "جذر", email=EMAILS[0])
    second = add_comment(app, article["id"], "بشرى", "مستوى ثان", parent=root, email=EMAILS[1])
    third = add_comment(app, article["id"], "جمال", "مستوى ثالث", parent=second, email=EMAILS[2])
    pending = add_comment(app, article["id"], "دنيا", "رد معلق", parent=root, email=EMAILS[3],
                          status=CommentStatus.PENDING)
    later = add_comment(app, article["id"], "هشام", "جذر ثان", minutes=30)
    # One reader posts (remembering their details, asking for mail) and reacts.
    post_comment(client, slug, author_name="قارئ", author_email=EMAILS[4], remember="y", notify="y",
                 body="رد القارئ.", parent_id=str(third))
    token = csrf_token(client.get(f"/articles/{slug}").get_data(as_text=True))
    answers = [client.post(f"/comments/{root}/reaction", data={"value": "like", "csrf_token": token},
                           headers={"Accept": "application/json"})]

    stranger = app.test_client()
    stranger_token = csrf_token(stranger.get(f"/articles/{slug}").get_data(as_text=True))
    answers.append(stranger.post(f"/comments/{second}/reaction", data={"value": "dislike", "csrf_token": stranger_token},
                                 headers={"Accept": "application/json"}))
    answers.append(stranger.post(f"/comments/{second}/reaction", data={"value": "like", "csrf_token": stranger_token}))
    for path in (f"/articles/{slug}", f"/articles/{slug}?page=2", f"/articles/{slug}?order=liked",
                 f"/articles/{slug}/comments?page=2", f"/articles/{slug}/comments?order=newest",
                 f"/articles/{slug}/comments/{root}/reply", f"/articles/{slug}/comments/{third}/reply",
                 f"/comments/{root}", f"/comments/{third}", f"/comments/{pending}", f"/comments/{later}",
                 f"/comments/{root}/edit", "/", f"/comments/{later}?order=newest"):
        answers.append(stranger.get(path))
        answers.append(stranger.get(path, follow_redirects=True))
    for response in answers:
        assert response.status_code in (200, 302, 303, 403, 404), response.status_code
        text = response.get_data(as_text=True) + str(response.headers)
        for address in EMAILS:
            assert address not in text and address.split("@")[0] not in text
    assert any(r.is_json and r.get_json()["likes"] == 1 for r in answers)
    assert any("مستوى ثالث" in r.get_data(as_text=True) for r in answers)
    # The reader who typed their address sees it back in their own form only (a private page).
    own = client.get(f"/articles/{slug}")
    assert EMAILS[4] in own.get_data(as_text=True) and own.headers["Cache-Control"] == "private, no-store"
    # Nothing was logged with an address either.
    for address in EMAILS:
        assert address not in caplog.text
