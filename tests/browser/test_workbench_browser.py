"""The moderators' workbench in real Chromium: clicks without a reload, keyboard shortcuts, bans, no-JS forms."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from blog.extensions import db
from blog.models import Ban, Comment, Role, utcnow
from tests.conftest import PASSWORD, make_user
from tests.workbench import CLEAN, INSULT, ActionKind, CommentStatus, add_comment, comment_row, human_actions, status

pytestmark = pytest.mark.browser


def login(page, live_server, email="mod@example.org"):
    page.goto(live_server + "/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=دخول")
    page.wait_for_url(live_server + "/moderation/")


def seed(app, article, bodies):
    start = utcnow() - timedelta(hours=len(bodies))
    return [add_comment(app, article["id"], body, email=f"b{i}@example.org", name=f"قارئ {i}",
                        created_at=start + timedelta(minutes=i)) for i, body in enumerate(bodies)]


def wide(page):
    page.set_viewport_size({"width": 1280, "height": 1000})


def test_decisions_by_click_without_a_reload(app, article, live_server, page, artifacts, request):
    make_user(app, Role.MODERATOR, "mod@example.org")
    ids = seed(app, article, [CLEAN, INSULT, "تعليق ثالث", "تعليق رابع", "تعليق خامس"])
    wide(page)
    login(page, live_server)
    page.goto(live_server + "/moderation/?order=oldest")
    page.screenshot(path=str(artifacts / f"workbench-queue-{request.node.callspec.id}.png"), full_page=True)
    assert page.locator("mark.hit").count() == 2
    assert page.locator('[data-count="pending"]').first.inner_text() == "5"
    page.evaluate("window.__noReload = true")

    def card(cid):
        return page.locator(f"#comment-{cid}")

    card(ids[0]).locator("button.approve").click()
    card(ids[0]).and_(page.locator(".decided")).wait_for()
    assert status(app, ids[0]) is CommentStatus.PUBLISHED
    assert page.locator('[data-count="pending"]').first.inner_text() == "4"
    assert page.locator("h1 [data-count=pending]").inner_text() == "4"  # the heading's count as well as the menu's

    card(ids[1]).locator("select[name=rule]").select_option("religion")
    card(ids[1]).locator("input[name=note]").fill("استهزاء")
    card(ids[1]).locator("button.reject").click()
    card(ids[1]).and_(page.locator(".decided")).wait_for()
    (row,) = human_actions(app, ids[1])
    assert (row.action, row.rule, row.reason, row.text_snapshot) == (ActionKind.REJECT, "religion", "استهزاء", INSULT)

    card(ids[2]).locator("button.spam").click()
    expect(card(ids[2]).locator("[data-status]")).to_contain_text("مزعجة")
    assert status(app, ids[2]) is CommentStatus.SPAM
    card(ids[2]).locator("button.undo").click()
    expect(card(ids[2]).locator("[data-status]")).to_contain_text("الانتظار")
    assert status(app, ids[2]) is CommentStatus.PENDING

    # Bulk approve: tick two boxes, press the bulk button.
    card(ids[3]).locator("input[name=ids]").check()
    card(ids[4]).locator("input[name=ids]").check()
    page.click("#bulk button.approve")
    expect(page.locator("#live")).to_contain_text("على تعليقين، وتُرك 0")  # each ticked box sent once
    assert status(app, ids[3]) is status(app, ids[4]) is CommentStatus.PUBLISHED
    # The cards show their new state, and an undo right after works (the card holds the comment's new version).
    expect(card(ids[3]).locator("[data-status]")).to_contain_text("منشور")
    card(ids[3]).locator("button.undo").click()
    expect(card(ids[3]).locator("[data-status]")).to_contain_text("الانتظار")
    assert status(app, ids[3]) is CommentStatus.PENDING
    assert page.evaluate("window.__noReload") is True  # every action above happened without a reload
    page.screenshot(path=str(artifacts / f"workbench-decided-{request.node.callspec.id}.png"), full_page=True)
    for name, path in [("dashboard", "/moderation/dashboard"), ("audit", "/moderation/audit"),
                       ("thread", f"/moderation/articles/{article['id']}")]:
        page.goto(live_server + path)
        assert page.locator("h1").count() == 1
        page.screenshot(path=str(artifacts / f"workbench-{name}-{request.node.callspec.id}.png"), full_page=True)
    assert page.locator(".queue-item").count() == 5


def test_keyboard_shortcuts(app, article, live_server, page, artifacts, request):
    make_user(app, Role.MODERATOR, "mod@example.org")
    ids = seed(app, article, ["الأول", "الثاني", INSULT, "الرابع"])
    wide(page)
    login(page, live_server)
    page.goto(live_server + "/moderation/?order=oldest")
    assert page.locator(".hint.keys").is_visible()
    page.keyboard.press("j")                        # the first comment
    assert page.locator(".queue-item.current").get_attribute("id") == f"comment-{ids[0]}"
    page.keyboard.press("a")                        # approve it; the next one becomes current
    page.wait_for_selector(f"#comment-{ids[1]}.current")
    assert status(app, ids[0]) is CommentStatus.PUBLISHED
    page.keyboard.press("s")                        # spam the second
    page.wait_for_selector(f"#comment-{ids[2]}.current")
    assert status(app, ids[1]) is CommentStatus.SPAM
    page.keyboard.press("k")                        # back to the second ...
    assert page.locator(".queue-item.current").get_attribute("id") == f"comment-{ids[1]}"
    page.keyboard.press("u")                        # ... undo its spam
    page.wait_for_selector(f"#comment-{ids[2]}.current")
    assert status(app, ids[1]) is CommentStatus.PENDING
    page.keyboard.press("r")                        # reject the third with the rule the screening named
    page.wait_for_selector(f"#comment-{ids[3]}.current")
    (row,) = human_actions(app, ids[2])
    assert (row.action, row.rule) == (ActionKind.REJECT, "insult")
    # Typing in a field is not a shortcut.
    page.locator(f"#comment-{ids[3]} input[name=note]").type("a")
    assert status(app, ids[3]) is CommentStatus.PENDING
    page.screenshot(path=str(artifacts / f"workbench-keys-{request.node.callspec.id}.png"), full_page=True)


def test_keyboard_shortcuts_with_an_arabic_keyboard(app, article, live_server, page):
    """With the Arabic layout on, the keys type Arabic letters ("ت" where "j" is, "ش" where "a" is): the shortcuts go
    by the key's place, as on a Latin keyboard; a French (AZERTY) "a" stays "a" wherever it sits."""
    make_user(app, Role.MODERATOR, "mod@example.org")
    ids = seed(app, article, ["الأول", "الثاني", "الثالث"])
    wide(page)
    login(page, live_server)
    page.goto(live_server + "/moderation/?order=oldest")

    def press(key, code):
        page.evaluate("([key, code]) => document.body.dispatchEvent("
                      "new KeyboardEvent('keydown', {key, code, bubbles: true, cancelable: true}))", [key, code])

    press("ت", "KeyJ")
    assert page.locator(".queue-item.current").get_attribute("id") == f"comment-{ids[0]}"
    press("ش", "KeyA")
    page.wait_for_selector(f"#comment-{ids[1]}.current")
    assert status(app, ids[0]) is CommentStatus.PUBLISHED
    press("a", "KeyQ")  # AZERTY: the key labelled "a" sits where QWERTY has "q"
    page.wait_for_selector(f"#comment-{ids[2]}.current")
    assert status(app, ids[1]) is CommentStatus.PUBLISHED


def test_ban_then_the_banned_authors_next_comment_and_plain_forms(app, article, live_server, page, browser, artifacts,
                                                                  request):
    make_user(app, Role.MODERATOR, "mod@example.org")
    (cid,) = seed(app, article, [INSULT])
    wide(page)
    login(page, live_server)
    page.goto(live_server + "/moderation/")
    page.locator(f"#comment-{cid} a.ban-link").click()
    assert page.input_value("#email") == "b0@example.org"
    page.select_option("#duration", "forever")
    page.fill("#reason", "شتائم متكررة")
    page.click("button.reject >> text=حظر")
    page.wait_for_selector("tr.ban-row.active")
    with app.app_context():
        ban = db.session.scalars(select(Ban)).one()
        assert (ban.email, ban.until, ban.reason) == ("b0@example.org", None, "شتائم متكررة")
    page.screenshot(path=str(artifacts / f"workbench-bans-{request.node.callspec.id}.png"), full_page=True)

    # The banned author comments again, in another browser: the comment is rejected automatically.
    reader = browser.new_context(locale="ar-MA")
    try:
        tab = reader.new_page()
        tab.goto(f"{live_server}/articles/{article['slug']}")
        tab.fill("#author_name", "قارئ 0")
        tab.fill("#author_email", "b0@example.org")
        tab.fill("#body", "تعليق جديد بعد الحظر")
        tab.click("button[type=submit] >> text=أرسل التعليق")
        tab.wait_for_load_state()
    finally:
        reader.close()
    with app.app_context():
        banned = db.session.scalars(select(Comment).where(Comment.body == "تعليق جديد بعد الحظر")).one()
        assert banned.status is CommentStatus.REJECTED
        banned_id = banned.id
    page.goto(live_server + "/moderation/queue/rejected")
    assert page.locator(f"#comment-{banned_id} .ban-badge").count() == 1

    # Without JavaScript every action is a plain form: approve, then the flash after the redirect.
    plain = browser.new_context(locale="ar-MA", java_script_enabled=False, viewport={"width": 1280, "height": 1000})
    try:
        tab = plain.new_page()
        login(tab, live_server)
        tab.goto(live_server + "/moderation/")
        assert tab.locator(".hint.keys").is_hidden()  # no script, no keyboard shortcuts: no hint of them
        tab.locator(f"#comment-{cid} button.approve").click()
        tab.wait_for_selector(".flash-success")
        assert status(app, cid) is CommentStatus.PUBLISHED
        assert comment_row(app, cid).decided_at is not None
    finally:
        plain.close()


def test_staff_pages_on_a_phone_never_scroll_sideways(app, article, live_server, page, artifacts, request):
    """On a 390-px phone in every interface language: the header's links wrap, the queue's filters fit (an
    article's long title in a select), wide tables scroll within themselves."""
    from blog.models import Article

    make_user(app, Role.ADMIN, "mod@example.org")
    with app.app_context():
        db.session.get(Article, article["id"]).title = "عنوان طويل جدا لمقال " * 6
        db.session.commit()
    seed(app, article, [CLEAN, INSULT])
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server)
    for lang in ("ar", "fr", "en"):
        for path in ("/moderation/", "/moderation/audit", "/moderation/bans", "/moderation/dashboard", "/desk/",
                     "/desk/categories", "/admin/users", "/admin/terms"):
            page.goto(f"{live_server}{path}?lang={lang}")
            scroll, client = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert scroll <= client, (lang, path, scroll, client)
            if path == "/moderation/dashboard":  # the charts' axis labels inside their chart, RTL page or not
                outside = page.evaluate("""() => Array.from(document.querySelectorAll('.chart .tick')).filter(t => {
                    const box = t.getBoundingClientRect(), chart = t.closest('.chart').getBoundingClientRect();
                    return box.left < chart.left - 0.5 || box.right > chart.right + 0.5; }).map(t => t.textContent)""")
                assert outside == [], (lang, outside)
                # ... and as readable as the page's small print on a phone (they shrank with a drawing 600 wide).
                sizes = page.evaluate("""() => Array.from(document.querySelectorAll('.chart .tick'))
                    .map(t => parseFloat(getComputedStyle(t).fontSize))""")
                assert len(sizes) == 12 and min(sizes) >= 12, (lang, sizes)
                # A figure's name stays on the line of its value ("المئين" above, "90 3" below read as two figures).
                split = page.evaluate("""() => Array.from(document.querySelectorAll('#time-to-decision .figure'))
                    .filter(figure => figure.getClientRects().length !== 1).map(figure => figure.textContent)""")
                assert page.locator("#time-to-decision .figure").count() == 2 and split == [], (lang, split)
    page.goto(f"{live_server}/moderation/dashboard")
    page.screenshot(path=str(artifacts / f"dashboard-phone-{request.node.callspec.id}.png"), full_page=True)
    page.goto(f"{live_server}/moderation/?lang=fr")
    page.screenshot(path=str(artifacts / f"workbench-phone-{request.node.callspec.id}.png"), full_page=True)
    # Far down the list, a decision's answer shows where the moderator is, not above the screen.
    last = page.locator(".queue-item").last
    last.scroll_into_view_if_needed()
    last.locator("button.approve").click()
    expect(page.locator("#live")).not_to_be_empty()
    assert page.evaluate("window.scrollY") > 0
    assert page.evaluate("""() => { const box = document.getElementById('live').getBoundingClientRect();
                                    return box.top >= 0 && box.bottom <= window.innerHeight; }""")


def test_a_decision_after_the_session_ended_leads_to_the_login_form_and_back(app, article, live_server, page):
    """A role or password changed elsewhere ends the moderator's session: the next click says so at the login
    form, and logging in again comes back to the queue as it was."""
    make_user(app, Role.MODERATOR, "mod@example.org")
    (cid,) = seed(app, article, [CLEAN])
    login(page, live_server)
    page.goto(live_server + "/moderation/?order=oldest")
    with app.app_context():
        from blog.services.accounts import rotate_session_token
        from blog.models import User

        rotate_session_token(db.session.scalar(select(User).where(User.email == "mod@example.org")))
    page.locator(f"#comment-{cid} button.approve").click()
    page.wait_for_url("**/auth/login?next=**")
    expect(page.locator(".flash")).to_contain_text("انتهت جلستك")
    page.fill("#email", "mod@example.org")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=دخول")
    page.wait_for_url(live_server + "/moderation/?order=oldest")
    assert status(app, cid) is CommentStatus.PENDING  # nothing was decided by the refused click
