"""The readers' conversation in Chromium, with and without JavaScript: replies, more comments, reactions, order."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from blog.extensions import db
from blog.models import Comment, CommentStatus
from tests.views.conversation_helpers import add_comment, post_moderation

pytestmark = pytest.mark.browser


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def reader(request, browser):
    """A phone-sized tab, with JavaScript on or off."""
    context = browser.new_context(locale="ar-MA", viewport={"width": 412, "height": 915},
                                  java_script_enabled=request.param)
    tab = context.new_page()
    tab.js = request.param
    yield tab
    context.close()


@pytest.fixture
def conversation(app, article):
    post_moderation(app)
    app.config["COMMENTS_PER_PAGE"] = 2
    first = add_comment(app, article["id"], "أحمد", "أول تعليق على المقال.", minutes=1)
    second = add_comment(app, article["id"], "بشرى", "تعليق ثان في النقاش.", minutes=2)
    reply = add_comment(app, article["id"], "جمال", "رد جمال على أحمد.", parent=first, minutes=3)
    third = add_comment(app, article["id"], "دنيا", "تعليق ثالث في الصفحة الثانية.", minutes=4)
    return {"first": first, "second": second, "reply": reply, "third": third, "slug": article["slug"]}


def _shot(tab, artifacts, request, name):
    tab.screenshot(path=str(artifacts / f"{name}-{request.node.callspec.id}.png"), full_page=True)


def test_reply_more_comments_and_reactions(app, live_server, reader, conversation, artifacts, request):
    c = conversation
    article_url = f"{live_server}/articles/{c['slug']}"
    reader.goto(article_url)
    assert reader.locator("li.thread").count() == 2
    assert reader.locator(f"#thread-{c['first']} .replies #comment-{c['reply']}").count() == 1
    _shot(reader, artifacts, request, "thread")

    # Reply to the second-level reply: it joins the thread at the second level with a mention.
    reader.locator(f"#comment-{c['reply']} a.reply-link").click()
    if reader.js:
        assert reader.url == article_url  # opened in place
        form = reader.locator(f"#reply-form-{c['reply']}")
        assert form.is_visible()
        # The title and the cancel label come from the list, the name from the comment.
        assert reader.locator(f"#comment-{c['reply']} .reply-title").inner_text() == "ردك على \u2068جمال\u2069"
        assert form.locator(".cancel-reply").inner_text() == "إلغاء"
        # A named form under a heading, its first empty field (the name) focused; Escape closes it and the
        # keyboard's place goes back to the "reply" link, which opens it again.
        title = reader.locator(f"#comment-{c['reply']} h3.reply-title")
        assert form.get_attribute("aria-labelledby") == title.get_attribute("id")
        assert reader.evaluate("document.activeElement.id") == f"author_name-r{c['reply']}"
        reader.keyboard.press("Escape")
        assert reader.locator(".reply-form").count() == 0
        assert reader.evaluate("document.activeElement.classList.contains('reply-link')")
        reader.keyboard.press("Enter")
        assert form.is_visible()
        _shot(reader, artifacts, request, "reply-in-place")
        prefix = f"-r{c['reply']}"
    else:
        assert reader.url == f"{article_url}/comments/{c['reply']}/reply"
        assert "رد على \u2068جمال\u2069" in reader.locator("h1").inner_text()
        form = reader.locator("#comment-form")
        prefix = ""
    form.locator(f"#author_name{prefix}").fill("هند")
    form.locator(f"#author_email{prefix}").fill("hind.reader@example.org")
    form.locator(f"#body{prefix}").fill("ردي على جمال من المتصفح.")
    form.locator("button[type=submit]").click()
    reader.wait_for_load_state()
    with app.app_context():
        mine = db.session.scalars(select(Comment).where(Comment.body == "ردي على جمال من المتصفح.")).one()
        assert (mine.parent_id, mine.root_id, mine.status) == (c["reply"], c["first"], CommentStatus.PUBLISHED)
    item = reader.locator(f"#thread-{c['first']} .replies #comment-{mine.id}")
    assert item.count() == 1 and "ردا على \u2068جمال\u2069" in item.inner_text()
    assert "hind.reader" not in reader.content()
    _shot(reader, artifacts, request, "replied")

    # More comments: in place with JavaScript, as a plain link to the next page (the threads after the last shown)
    # without.
    reader.goto(article_url)
    reader.locator(".more-comments a.more").click()
    if reader.js:
        reader.locator(f"#thread-{c['third']}").wait_for()
        assert reader.url == article_url and reader.locator("li.thread").count() == 3
        assert reader.locator(".more-comments").count() == 0  # nothing further, and no "previous" link
        # A comment brought in place replies in place too (the list's texts serve it), and the reply closes.
        reader.locator(f"#comment-{c['third']} a.reply-link").click()
        assert reader.url == article_url
        assert reader.locator(f"#comment-{c['third']} .reply-title").inner_text() == "ردك على \u2068دنيا\u2069"
        reader.locator(f"#comment-{c['third']} .cancel-reply").click()
        assert reader.locator(".reply-form").count() == 0
        assert reader.evaluate("document.activeElement.closest('article.comment').id") == f"comment-{c['third']}"
    else:
        reader.wait_for_load_state()
        assert f"after={c['second']}" in reader.url and reader.locator("li.thread").count() == 1
    assert reader.locator(f"#comment-{c['third']}").is_visible()
    _shot(reader, artifacts, request, "more")

    # Like, then change to dislike: counts change (without a reload when JavaScript runs).
    target = reader.locator(f"#comment-{c['third']}")
    if reader.js:
        reader.evaluate("window.__sameDocument = true")
    target.locator("button.like").click()
    if reader.js:
        target.locator("button.like[aria-pressed=true]").wait_for()
        assert reader.evaluate("window.__sameDocument === true")
    else:
        reader.wait_for_load_state()
        target = reader.locator(f"#comment-{c['third']}")
    assert target.locator("button.like .count").inner_text() == "1"
    assert target.locator("button.like").get_attribute("aria-pressed") == "true"
    # The thumbs are the stylesheet's (a drawn hand, not an emoji that needs the reader's fonts), shown but not part
    # of the buttons' names.
    thumb = target.locator("button.like").evaluate(
        "node => { const s = getComputedStyle(node, '::before');"
        " return [s.content, s.maskImage || s.webkitMaskImage, parseFloat(s.width)]; }")
    assert thumb[0] == '""' and thumb[1].startswith('url("data:image/svg+xml') and thumb[2] > 8, thumb
    assert target.get_by_role("button", name="أعجبني 1", exact=True).count() == 1
    assert target.get_by_role("button", name="لم يعجبني 0", exact=True).count() == 1
    target.locator("button.dislike").click()
    if reader.js:
        target.locator("button.dislike[aria-pressed=true]").wait_for()
    else:
        reader.wait_for_load_state()
        target = reader.locator(f"#comment-{c['third']}")
    assert target.locator("button.like .count").inner_text() == "0"
    assert target.locator("button.dislike .count").inner_text() == "1"
    _shot(reader, artifacts, request, "reacted")
    with app.app_context():
        third = db.session.get(Comment, c["third"])
        assert (third.like_count, third.dislike_count) == (0, 1)


def test_order_and_permalink(app, live_server, reader, conversation, artifacts, request):
    c = conversation
    reader.goto(f"{live_server}/articles/{c['slug']}")
    reader.get_by_role("link", name="الأحدث أولا").click()
    reader.wait_for_load_state()
    assert "order=newest" in reader.url
    assert reader.locator("li.thread").first.get_attribute("id") == f"thread-{c['third']}"
    # A permalink opens the page that shows the comment (past the first page: the one that starts with its thread).
    reader.goto(f"{live_server}/comments/{c['third']}")
    assert reader.url.endswith(f"/articles/{c['slug']}?after={c['second']}#comment-{c['third']}")
    assert reader.locator(f"#comment-{c['third']}").is_visible()
    assert "@example.org" not in reader.content()


def test_edit_and_withdraw_own_comment_with_remembered_details(app, live_server, reader, article, artifacts, request):
    url = f"{live_server}/articles/{article['slug']}"
    reader.goto(url)
    reader.fill("#author_name", "ليلى")
    reader.fill("#author_email", "layla.reader@example.org")
    reader.fill("#body", "تعليقي الأول قبل التعديل.")
    reader.check("#remember")
    reader.click("#comment-form button[type=submit]")
    reader.wait_for_load_state()
    pending = reader.locator(".comment-pending")
    assert "تعليقي الأول قبل التعديل." in pending.inner_text()
    # The details come back filled in, in this browser only.
    assert reader.input_value("#author_name") == "ليلى"
    assert reader.input_value("#author_email") == "layla.reader@example.org"

    pending.locator("a.edit-link").click()
    reader.wait_for_load_state()
    reader.fill("#body", "تعليقي بعد التعديل.")
    reader.get_by_role("button", name="احفظ التعديل").click()
    reader.wait_for_load_state()
    assert "تعليقي بعد التعديل." in reader.locator(".comment-pending").inner_text()
    assert "حُفظ التعديل" in reader.locator(".flash").inner_text()
    _shot(reader, artifacts, request, "edited")

    reader.locator(".comment-pending a.edit-link").click()
    reader.get_by_role("button", name="اسحب تعليقي").click()  # the box not ticked: the browser keeps the page
    assert reader.url.endswith("/edit")
    reader.get_by_label("نعم، أريد سحب تعليقي نهائيا.").check()
    reader.get_by_role("button", name="اسحب تعليقي").click()
    reader.wait_for_url("**#comments")
    assert reader.locator(".comment-pending").count() == 0
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        assert comment.status is CommentStatus.WITHDRAWN and comment.body == "تعليقي بعد التعديل."


def test_report_a_comment_in_place_or_on_its_page(app, live_server, reader, conversation, artifacts, request):
    c = conversation
    article_url = f"{live_server}/articles/{c['slug']}"
    reader.goto(article_url)
    target = reader.locator(f"#comment-{c['second']}")
    target.locator("a.report-link").click()
    if reader.js:
        form = target.locator("form.report-form")  # a copy of the page's one report form, under the comment
        form.wait_for()
        assert reader.url == article_url
        assert form.get_attribute("action").endswith(f"/comments/{c['second']}/report")
        assert form.locator("select").get_attribute("id") == f"report-rule-{c['second']}"
        assert form.locator("label").get_attribute("for") == f"report-rule-{c['second']}"
    else:
        reader.wait_for_load_state()
        assert reader.url == f"{live_server}/comments/{c['second']}/report"
        assert "تعليق ثان في النقاش." in reader.locator("blockquote").inner_text()
        form = reader.locator("form.report-form")
    form.locator("select").select_option("religion")
    _shot(reader, artifacts, request, "report-form")
    form.locator("button[type=submit]").click()
    reader.wait_for_load_state()
    assert reader.url.startswith(article_url)
    assert "وصل بلاغك" in reader.locator("p.flash").first.inner_text()
    # The comment reported is below the sticky message, its author's name in sight.
    message, comment = reader.locator("p.flash").first.bounding_box(), reader.locator(f"#comment-{c['second']}").bounding_box()
    assert comment["y"] >= message["y"] + message["height"] - 1, (message, comment)
    with app.app_context():
        row = db.session.get(Comment, c["second"])
        assert row.report_count == 1


def test_a_refused_reaction_says_why_where_the_reader_clicked(app, live_server, browser, conversation, artifacts):
    """A page left open until its token expired: the reaction is refused and the script shows the server's
    message under the buttons, on the same page, as for a comment taken down meanwhile. Any other failure sends
    the reaction again as a plain form, and the server's page answers it."""
    c = conversation
    context = browser.new_context(locale="ar-MA", viewport={"width": 412, "height": 915})
    tab = context.new_page()
    tab.goto(f"{live_server}/articles/{c['slug']}")
    tab.evaluate("document.querySelector('#reaction-form input[name=csrf_token]').value = 'expired'")
    tab.evaluate("window.__sameDocument = true")
    target = tab.locator(f"#comment-{c['second']}")
    target.locator("button.like").click()
    message = target.locator(".reaction-message")
    message.wait_for()
    assert message.inner_text() == "انتهت صلاحية الصفحة: أعد تحميلها ثم أعد المحاولة."
    assert message.get_attribute("role") == "alert"
    assert tab.evaluate("window.__sameDocument === true")
    assert target.locator("button.like .count").inner_text() == "0"
    assert tab.locator(".reaction-message").count() == 1  # under this comment only
    tab.screenshot(path=str(artifacts / "reaction-refused.png"), full_page=True)
    # A page opened with ?lang= (no cookie says French): the message in the page's language.
    tab.goto(f"{live_server}/articles/{c['slug']}?lang=fr")
    tab.evaluate("document.querySelector('#reaction-form input[name=csrf_token]').value = 'expired'")
    tab.locator(f"#comment-{c['second']} button.like").click()
    expect(tab.locator(f"#comment-{c['second']} .reaction-message")).to_have_text(
        "Cette page a expiré : rechargez-la puis réessayez.")

    # A comment taken down since the page was drawn: said there too, the reader stays on the article (in Arabic
    # again: the language an address asks for is kept for the visit, until another address asks for another).
    tab.goto(f"{live_server}/articles/{c['slug']}?lang=ar")
    with app.app_context():
        db.session.get(Comment, c["second"]).status = CommentStatus.REJECTED
        db.session.commit()
    tab.evaluate("window.__sameDocument = true")
    target.locator("button.like").click()
    expect(target.locator(".reaction-message")).to_have_text("لم يعد هذا التعليق منشورا.")
    assert tab.evaluate("window.__sameDocument === true")
    # Any other failure (here an answer that is not JSON) sends the reaction as a plain form, for the server's page.
    def gateway_down_for_the_script(route):
        if route.request.resource_type == "fetch":
            route.fulfill(status=502, body="<p>bad gateway</p>", content_type="text/html")
        else:
            route.continue_()

    tab.route("**/comments/*/reaction*", gateway_down_for_the_script)
    tab.locator(f"#comment-{c['first']} button.like").click()
    tab.wait_for_url(re.compile(rf".*#comment-{c['first']}$"))
    with app.app_context():
        assert db.session.get(Comment, c["first"]).like_count == 1
    context.close()


def test_a_long_unbroken_name_wraps_on_a_phone(app, live_server, browser, article):
    """A name may be one 80-letter word: the article, and the reply and report pages that put it in their
    heading, stay as wide as the phone."""
    post_moderation(app)
    name = "عبدالرحمنبنمحمدالإدريسيالحسنيالفاسيالمكناسيالرباطيالسلاويالطنجاوي" + "ي" * 15
    assert len(name) == 80
    cid = add_comment(app, article["id"], name, "تعليق من قارئ اسمه طويل.")
    context = browser.new_context(locale="ar-MA", viewport={"width": 412, "height": 915})
    tab = context.new_page()
    for path in (f"/articles/{article['slug']}", f"/articles/{article['slug']}/comments/{cid}/reply",
                 f"/comments/{cid}/report"):
        tab.goto(live_server + path)
        assert name in tab.content()
        scroll, client = tab.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll <= client, (path, scroll, client)
    context.close()


def test_more_comments_by_keyboard_takes_the_focus_along_and_keeps_the_pages_language(app, live_server, browser,
                                                                                     conversation):
    """Enter on "more comments": the keyboard's place is the first comment loaded (not back at the top of the
    page); on a page opened with ?lang=en the comments loaded are in English too, like those above them."""
    context = browser.new_context(locale="ar-MA", viewport={"width": 412, "height": 915})
    tab = context.new_page()
    try:
        tab.goto(f"{live_server}/articles/{conversation['slug']}?lang=en")
        tab.locator(".more-comments a.more").focus()
        tab.keyboard.press("Enter")
        third = tab.locator(f"#thread-{conversation['third']}")
        third.wait_for()
        expect(third).to_be_focused()
        assert "Reply" in third.inner_text() and "رد" not in third.inner_text()
        tab.keyboard.press("Tab")  # on from there: into the comment loaded, not to the comment form
        assert tab.evaluate(f"document.activeElement.closest('#thread-{conversation['third']}') !== null")
    finally:
        context.close()


def test_the_keyboard_skips_the_header_and_reaches_the_comment_form_at_once(app, live_server, browser, conversation):
    """The first Tab stop is "skip to the content" (shown only then); the comments' heading links to the form, so
    a reader need not tab through every comment to write one."""
    context = browser.new_context(locale="ar-MA", viewport={"width": 412, "height": 915})
    tab = context.new_page()
    try:
        tab.goto(f"{live_server}/articles/{conversation['slug']}")
        skip = tab.locator("a.skip-link")
        assert skip.bounding_box()["width"] <= 1  # out of sight until focused
        tab.keyboard.press("Tab")
        expect(skip).to_be_focused()
        assert skip.bounding_box()["width"] > 20 and skip.inner_text() == "انتقل إلى المحتوى"
        tab.keyboard.press("Enter")
        expect(tab.locator("main#main")).to_be_focused()
        tab.locator("#comments .to-form a").click()
        assert tab.url.endswith("#respond")
        tab.keyboard.press("Tab")
        assert tab.evaluate("document.activeElement.closest('#respond') !== null")
    finally:
        context.close()


def test_a_reply_form_opened_after_a_failed_send_carries_none_of_its_errors(app, live_server, browser, conversation):
    """The main form sent without an e-mail comes back marked; a reply form opened next is blank and unmarked."""
    context = browser.new_context(locale="ar-MA")
    tab = context.new_page()
    tab.goto(f"{live_server}/articles/{conversation['slug']}")
    tab.fill("#author_name", "قارئ")
    tab.fill("#body", "تعليق بلا بريد.")
    tab.click("#comment-form button[type=submit]")
    expect(tab.locator("#comment-form #author_email[aria-invalid=true]")).to_have_count(1)
    tab.wait_for_load_state()  # the answer's scripts run: else the link opens the reply page, not the form in place
    tab.click(f"#comment-{conversation['second']} .reply-link")
    reply = tab.locator(f"#reply-form-{conversation['second']}")
    expect(reply).to_be_visible()
    assert reply.locator("[aria-invalid], [aria-describedby], .has-error, .error").count() == 0
    context.close()


def test_at_phone_size_the_message_in_view_hides_no_focus_and_the_search_box_keeps_its_width(
        app, live_server, browser, conversation):
    context = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 740})
    tab = context.new_page()
    tab.goto(f"{live_server}/search?q=zzzz&lang=fr")
    assert tab.locator("#search-q").bounding_box()["width"] >= 150  # its own line, not a sliver beside the label
    # A report sent from its page: back at the comment, with a message kept at the top while the reader scrolls.
    tab.goto(f"{live_server}/comments/{conversation['third']}/report?lang=fr")
    tab.select_option("select[name=rule]", "insult")
    tab.click(".report-form button[type=submit]")
    flash = tab.locator(".flash").first
    expect(flash).to_be_visible()
    link = tab.locator(f"#comment-{conversation['first']} .permalink")
    link.evaluate("node => window.scrollTo(0, node.getBoundingClientRect().top + window.scrollY - 8)")
    link.focus()
    flash_bottom = flash.bounding_box()["y"] + flash.bounding_box()["height"]
    assert link.bounding_box()["y"] >= flash_bottom, (link.bounding_box(), flash.bounding_box())
    context.close()
