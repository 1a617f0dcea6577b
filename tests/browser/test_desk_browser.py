"""The desk in Chromium: an article's text survives a save that never reaches the site."""
from __future__ import annotations

import pytest

from blog.extensions import db
from blog.models import Article, ArticleStatus, Role, User, utcnow
from blog.services import accounts
from blog.services import articles as article_service
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def _log_in(page, live_server, email):
    page.goto(live_server + "/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()  # the next page, its scripts run


def _end_sessions(app, email):
    """What an admin's role or password change does to the editor's browsers."""
    with app.app_context():
        accounts.rotate_session_token(db.session.query(User).filter_by(email=email).one())


def _kept(page):
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('majlis-draft:'))")


def test_text_sent_after_the_session_ended_is_offered_back_after_logging_in(app, live_server, page, artifacts, request):
    editor_id = make_user(app, Role.EDITOR, "draft@example.org")
    with app.test_request_context("/"):
        editor = db.session.get(User, editor_id)
        article = article_service.create_article(article_service.ArticleDraft(
            title="ميزانية الجماعة", lead="مقدمة", body="النص المحفوظ.", source="مجلس",
            status=ArticleStatus.DRAFT, publish_at=utcnow()), editor)
        article_id = article.id
    _log_in(page, live_server, "draft@example.org")
    page.goto(f"{live_server}/desk/articles/{article_id}/edit")
    assert page.locator("#draft-offer").is_hidden()
    page.fill("#title", "ميزانية الجماعة لسنة 2027")
    page.fill("#body", "فقرة طويلة كتبها المحرر طوال ساعة.")
    _end_sessions(app, "draft@example.org")
    page.click("main form.article-form button[type=submit]")
    page.wait_for_load_state()  # the next page, its scripts run
    assert page.locator("#password").count() == 1  # the session ended: the login form, nothing saved
    with app.app_context():
        assert db.session.get(Article, article_id).body == "النص المحفوظ."
    page.fill("#email", "draft@example.org")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()  # the next page, its scripts run
    assert page.url == f"{live_server}/desk/articles/{article_id}/edit"
    # The form shows what the site has; the browser offers the text it kept.
    assert page.input_value("#body") == "النص المحفوظ."
    offer = page.locator("#draft-offer")
    assert offer.is_visible() and "لم يصل إلى الموقع" in offer.inner_text()
    assert offer.locator("time").get_attribute("datetime")
    page.screenshot(path=str(artifacts / f"desk-draft-offer-{request.node.callspec.id}.png"), full_page=True)
    page.click("[data-draft-restore]")
    assert offer.is_hidden()
    assert page.input_value("#title") == "ميزانية الجماعة لسنة 2027"
    assert page.input_value("#body") == "فقرة طويلة كتبها المحرر طوال ساعة."
    page.select_option("#status", "published")  # with no date: the site dates it, and the text is still saved
    page.click("main form.article-form button[type=submit]")
    page.wait_for_load_state()  # the next page, its scripts run
    assert page.locator(".flash-success").count() == 1
    with app.app_context():
        saved = db.session.get(Article, article_id)
        assert saved.body == "فقرة طويلة كتبها المحرر طوال ساعة." and saved.status is ArticleStatus.PUBLISHED
    assert _kept(page) == []  # the site has it: the browser forgets it
    page.reload()
    assert page.locator("#draft-offer").is_hidden()


def test_a_new_articles_text_is_kept_until_it_is_saved_and_another_account_never_sees_it(app, live_server, page):
    make_user(app, Role.EDITOR, "first@example.org")
    make_user(app, Role.EDITOR, "second@example.org")
    _log_in(page, live_server, "first@example.org")
    page.goto(live_server + "/desk/articles/new")
    page.fill("#title", "مهرجان أحيدوس")
    page.fill("#body", "نص لم يُحفظ بعد.")
    page.goto(live_server + "/desk/")  # left without saving, at once
    page.goto(live_server + "/desk/articles/new")
    assert page.locator("#draft-offer").is_visible() and page.input_value("#title") == ""
    # The same browser with another account: not theirs to see.
    page.click("form[action$='/auth/logout'] button")
    page.wait_for_load_state()  # the next page, its scripts run
    _log_in(page, live_server, "second@example.org")
    page.goto(live_server + "/desk/articles/new")
    assert page.locator("#draft-offer").is_hidden()
    page.click("form[action$='/auth/logout'] button")
    page.wait_for_load_state()  # the next page, its scripts run
    _log_in(page, live_server, "first@example.org")
    page.goto(live_server + "/desk/articles/new")
    page.click("[data-draft-restore]")
    page.click("main form.article-form button[type=submit]")
    page.wait_for_load_state()  # the next page, its scripts run
    assert "/edit" in page.url and page.locator(".flash-success").count() == 1
    with app.app_context():
        assert db.session.query(Article).filter_by(title="مهرجان أحيدوس").one().body == "نص لم يُحفظ بعد."
    assert _kept(page) == []  # the new form's text is this article now
    page.goto(live_server + "/desk/articles/new")
    assert page.locator("#draft-offer").is_hidden()
    # Discarded text is gone for good.
    page.fill("#title", "مسودة للتجاهل")
    page.reload()
    page.click("[data-draft-discard]")
    assert page.locator("#draft-offer").is_hidden() and _kept(page) == []
    page.reload()
    assert page.locator("#draft-offer").is_hidden()


def test_a_new_article_is_previewed_in_a_tab_of_its_own_before_it_is_saved(app, live_server, page, artifacts, request):
    make_user(app, Role.EDITOR, "preview@example.org")
    _log_in(page, live_server, "preview@example.org")
    page.goto(live_server + "/desk/articles/new")
    page.fill("#title", "سوق الأحد بأكادير")
    page.fill("#body", "## الافتتاح\n\nفقرة أولى.")
    with page.expect_popup() as opened:
        page.click("text=معاينة دون حفظ")
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.locator(".article h1").inner_text() == "سوق الأحد بأكادير"
    assert preview.locator(".article-body h2").inner_text() == "الافتتاح"
    assert "لم يُحفظ بعد" in preview.locator(".preview-banner").inner_text()
    assert preview.input_value("#body") == ""  # the readers' comment form: not the article's text (same field name)
    preview.screenshot(path=str(artifacts / f"desk-preview-unsaved-{request.node.callspec.id}.png"), full_page=True)
    preview.close()
    # The form is as it was, and nothing is saved until the editor says so.
    assert page.url == live_server + "/desk/articles/new" and page.input_value("#title") == "سوق الأحد بأكادير"
    with app.app_context():
        assert db.session.query(Article).count() == 0


def test_categories_are_renamed_and_merged_from_a_phone(app, live_server, page, artifacts, request):
    editor_id = make_user(app, Role.EDITOR, "sections@example.org")
    with app.test_request_context("/"):
        editor = db.session.get(User, editor_id)
        for title, category in (("خبر اقتصادي", "اقتصاد"), ("خبر آخر", "الاقتصاد"), ("مباراة", "رياضه")):
            article_service.create_article(article_service.ArticleDraft(
                title=title, body="نص.", category=category, status=ArticleStatus.PUBLISHED, publish_at=utcnow()), editor)
    _log_in(page, live_server, "sections@example.org")
    page.click("text=الأقسام")
    assert page.url == live_server + "/desk/categories"
    def section(name):
        return page.locator(".category-list li").filter(has=page.get_by_role("heading", name=name, exact=True))

    sport = section("رياضه")
    sport.locator("input[name=name]").fill("رياضة")
    sport.locator("text=تغيير الاسم").click()
    assert "تم تغيير اسم القسم إلى «رياضة»." in page.locator(".flash-success").inner_text()
    merged = section("الاقتصاد")
    merged.locator("select[name=move_to]").select_option(label="اقتصاد")
    merged.locator("text=حذف القسم").click()  # the box unticked: the browser asks for it, nothing is sent
    assert merged.locator("input[name=confirm]:invalid").count() == 1
    assert "تم حذف القسم" not in page.content() and section("الاقتصاد").count() == 1
    merged.locator("input[name=confirm]").check()
    merged.locator("text=حذف القسم").click()
    assert "نُقل مقال واحد." in page.locator(".flash-success").inner_text()
    assert page.locator(".category-list h2").all_inner_texts() == ["اقتصاد", "رياضة"]
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.screenshot(path=str(artifacts / f"desk-categories-phone-{request.node.callspec.id}.png"), full_page=True)


def test_no_offer_after_a_save_the_site_stored_in_its_own_form(app, live_server, page):
    """The site rewrites what it stores (tags joined with «،», spaces trimmed): a save that went through is no text
    to offer back, on the article's form or on the next new one."""
    make_user(app, Role.EDITOR, "format@example.org")
    _log_in(page, live_server, "format@example.org")
    page.goto(live_server + "/desk/articles/new")
    page.fill("#title", "مباراة الديربي ")
    page.fill("#lead", "  مقدمة بمسافات  ")
    page.fill("#tags", "رياضة, كرة")
    page.click("main form.article-form button[type=submit] >> text=حفظ")
    page.wait_for_load_state()  # the next page, its scripts run
    assert page.locator(".flash-success").count() == 1
    assert page.input_value("#tags") != "رياضة, كرة"  # stored in the site's own form
    assert page.locator("#draft-offer").is_hidden() and _kept(page) == []
    page.fill("#tags", "كرة,رياضة ,ديربي")
    page.click("main form.article-form button[type=submit] >> text=حفظ")
    page.wait_for_load_state()  # the next page, its scripts run
    assert page.locator(".flash-success").count() == 1
    assert page.locator("#draft-offer").is_hidden() and _kept(page) == []
    page.goto(live_server + "/desk/articles/new")
    assert page.locator("#draft-offer").is_hidden() and page.input_value("#title") == ""


def test_a_form_sent_back_with_errors_offers_nothing_for_what_the_site_rewrote(app, live_server, page):
    """Sent back for an error (a scheduled article with no date), the form shows what was typed as the site reads
    it (the address in small letters, a title's spaces joined): that is no other text to offer back, and nothing
    on the page says it was saved."""
    make_user(app, Role.EDITOR, "rewrite@example.org")
    _log_in(page, live_server, "rewrite@example.org")
    page.goto(live_server + "/desk/articles/new")
    page.fill("#title", "اختبار  العرض")
    page.fill("#slug", "Fes-2026")
    page.select_option("#status", "scheduled")
    page.click("main form.article-form button[type=submit] >> text=حفظ")
    page.wait_for_load_state()  # the next page, its scripts run
    assert page.input_value("#slug") == "fes-2026" and page.input_value("#title") == "اختبار العرض"
    assert page.locator("#draft-offer").is_hidden()
    with app.app_context():
        assert db.session.query(Article).count() == 0
    # Were there text to offer, the box would not call the fields' text the site's.
    assert "ما أرسلته للتو، ولم يُحفظ" in page.locator("#draft-offer").text_content()
