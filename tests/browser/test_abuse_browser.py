"""A person in Chromium meets the comment form's abuse checks: told in Arabic, text kept, then accepted."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from blog.extensions import db
from blog.models import Comment, CommentStatus
from tests.security.conftest import world  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_reader_who_sends_too_fast_is_told_and_keeps_the_text(app, world, live_server, page, artifacts, request):
    app.config["COMMENT_MIN_FILL_SECONDS"] = 2
    page.goto(f"{live_server}/articles/{world['slug']}")
    box, width = page.locator("#website").bounding_box(), page.viewport_size["width"]
    assert box["x"] + box["width"] <= 0 or box["x"] >= width  # the honeypot is out of sight
    assert page.get_attribute("#website", "tabindex") == "-1"
    text = "تعليق كتبته بسرعة كبيرة جدا."
    page.fill("#author_name", "قارئة مستعجلة")
    page.fill("#author_email", "fast.reader@example.org")
    page.fill("#body", text)
    page.click("button[type=submit] >> text=أرسل التعليق")
    page.wait_for_load_state()
    refusal = page.locator(".form-refusal")
    assert "بسرعة كبيرة" in refusal.inner_text()
    assert page.input_value("#body") == text and page.input_value("#author_name") == "قارئة مستعجلة"
    page.screenshot(path=str(artifacts / f"comment-too-fast-{request.node.callspec.id}.png"), full_page=True)
    page.wait_for_timeout(2100)
    page.click("button[type=submit] >> text=أرسل التعليق")
    assert text in page.locator(".comment-pending").inner_text()
    with app.app_context():
        assert db.session.scalars(select(Comment).where(Comment.body == text)).one().status is CommentStatus.PENDING
