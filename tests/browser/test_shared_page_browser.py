"""A reader on a page shared through the caching proxy (no token in it) comments with JavaScript's help."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from blog.extensions import db
from blog.models import Comment, CommentStatus

pytestmark = pytest.mark.browser


def test_shared_page_gets_the_readers_tokens_and_the_comment_is_stored_once(app, article, live_server, browser,
                                                                           artifacts, request):
    context = browser.new_context(locale="ar-MA", viewport={"width": 412, "height": 915},
                                  extra_http_headers={"X-Shared-Cache": "1"})
    try:
        page = context.new_page()
        response = page.goto(f"{live_server}/articles/{article['slug']}")
        assert response.headers["cache-control"].startswith("public")
        assert page.input_value("#form_token") == "" and page.input_value("input[name=csrf_token] >> nth=0") == ""
        text = "تعليق من صفحة مشتركة عبر الوكيل."
        page.fill("#author_name", "قارئة من طنجة")
        page.fill("#author_email", "tanger@example.org")
        page.fill("#body", text)
        # static/js/reader-tokens.js fetched this reader's tokens from /reader/tokens when the form got focus.
        # Waited for from the test's side: a predicate evaluated in the page would need eval, which the CSP forbids.
        expect(page.locator("#form_token")).to_have_value(re.compile(r".{11,}"))
        assert page.input_value("input[name=csrf_token] >> nth=0")
        page.click("button[type=submit] >> text=أرسل التعليق")
        pending = page.locator(".comment-pending")
        assert pending.count() == 1 and text in pending.inner_text()
        page.screenshot(path=str(artifacts / f"shared-page-pending-{request.node.callspec.id}.png"), full_page=True)
        with app.app_context():
            stored = db.session.scalars(select(Comment)).all()
            assert len(stored) == 1 and stored[0].status is CommentStatus.PENDING and stored[0].form_key
    finally:
        context.close()


def test_switching_language_on_a_shared_page_works_at_the_first_click(app, article, live_server, browser):
    context = browser.new_context(extra_http_headers={"X-Shared-Cache": "1"})
    try:
        page = context.new_page()
        page.goto(f"{live_server}/articles/{article['slug']}")
        page.click("button[name=lang][value=fr]")  # sent before any token: the script fetches them first
        expect(page.locator("html")).to_have_attribute("lang", "fr", timeout=15000)
        assert page.locator("html").get_attribute("lang") == "fr"
        assert any(c["name"] == "lang" and c["value"] == "fr" for c in context.cookies())
    finally:
        context.close()
