"""The public site and the desk in Chromium: hostile article fields never run, pages look right."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image, ImageDraw

from blog.demo import load_demo_content
from blog.extensions import db
from blog.models import ArticleStatus, Role, User, utcnow
from blog.services import articles as article_service
from blog.services.uploads import save_image
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser

PAYLOADS = [
    '<script>alert("script")</script>',
    '"><img src=x onerror="alert(\'img\')">',
    "<svg onload=alert('svg')></svg>",
    '<iframe src="javascript:alert(\'iframe\')"></iframe>',
    "<a href=\"javascript:alert('link')\">link</a>",
    "<p style=\"background:url(javascript:alert('style'))\" onmouseover=\"alert('over')\">hover</p>",
    "<details open ontoggle=\"alert('toggle')\">",
]
HOSTILE = "".join(PAYLOADS)
BODY = "\n\n".join(PAYLOADS + ["[md link](javascript:alert('md'))", "<object data=\"javascript:alert('object')\"></object>"])

# Counted in the page: anything that could run code, whatever the CSP says.
DANGEROUS_DOM = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const value = attr.value.trim().toLowerCase();
      if (attr.name.startsWith('on') || (attr.name === 'style' && el.closest('main'))
          || value.startsWith('javascript:') || value.startsWith('data:text')) bad.push(el.tagName + ' ' + attr.name);
    }
  }
  for (const el of document.querySelectorAll('script')) {
    if (!el.src.startsWith(location.origin + '/static/')) bad.push('SCRIPT ' + el.src);  // only the site's own files
  }
  for (const el of document.querySelectorAll('iframe, object, embed, svg, .article-body details')) bad.push(el.tagName);
  return bad;
}"""


def hostile_article(app) -> tuple[str, int]:
    with app.test_request_context("/"):
        make_user(app, Role.EDITOR, "xss-editor@example.org")
        editor = db.session.query(User).filter_by(email="xss-editor@example.org").one()
        draft = article_service.ArticleDraft(
            title=("عنوان " + HOSTILE)[:300], lead="مقدمة " + HOSTILE, body=BODY, source=("مصدر " + HOSTILE)[:200],
            category="قسم " + HOSTILE[:60], tags=("وسم " + PAYLOADS[1][:50], PAYLOADS[0][:55]),
            status=ArticleStatus.PUBLISHED, publish_at=utcnow() - timedelta(minutes=1),
        )
        article = article_service.create_article(draft, editor)
        return article.slug, article.id


def check_page(page, url: str, dialogs: list) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    page.mouse.move(200, 300)
    page.wait_for_timeout(150)
    assert page.evaluate(DANGEROUS_DOM) == [], url
    assert dialogs == [], (url, dialogs)


def test_hostile_article_fields_never_run_in_the_browser(app, live_server, browser):
    slug, article_id = hostile_article(app)
    with app.app_context():
        from blog.models import Article

        article = db.session.get(Article, article_id)
        category, tags = article.category.slug, [t.slug for t in article.tags]
    # The CSP would block inline scripts anyway: bypass it, so that only the sanitizing is tested.
    context = browser.new_context(bypass_csp=True, locale="ar-MA", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        urls = [f"/articles/{slug}", "/", f"/category/{category}", "/search?q=عنوان", f"/articles/{slug}?lang=fr"]
        urls += [f"/tag/{t}" for t in tags]
        for url in urls:
            check_page(page, live_server + url, dialogs)
        page.goto(live_server + f"/articles/{slug}")
        assert "<script>" in page.locator("h1").inner_text()  # shown as text, as typed

        # The desk shows the same fields to a logged-in editor.
        page.goto(live_server + "/auth/login")
        page.fill("#email", "xss-editor@example.org")
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        assert page.url == live_server + "/desk/"
        for url in ("/desk/", f"/desk/articles/{article_id}/edit", f"/desk/articles/{article_id}/preview",
                    f"/desk/articles/{article_id}/revisions"):
            check_page(page, live_server + url, dialogs)
    finally:
        context.close()


def cover_image(app) -> str:
    image = Image.new("RGB", (1600, 900), (214, 226, 220))
    draw = ImageDraw.Draw(image)
    for i in range(0, 1600, 80):
        draw.rectangle([i, 600 - (i % 400), i + 60, 900], fill=(11, 110, 79))
    data = io.BytesIO()
    image.save(data, "JPEG")
    with app.app_context():
        return save_image(data.getvalue())


def test_screenshots_of_front_page_and_article_in_arabic_and_french(app, live_server, page, artifacts, request, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with app.app_context():
        load_demo_content()
    name = cover_image(app)
    with app.test_request_context("/"):
        make_user(app, Role.EDITOR, "shots@example.org")
        editor = db.session.query(User).filter_by(email="shots@example.org").one()
        body = (
            "أعلنت وزارة التجهيز عن إطلاق أشغال توسعة الطريق الرابط بين المدينتين، في مشروع يمتد على **42 كيلومترا**.\n\n"
            "## ما الذي سيتغير؟\n\n- تقليص مدة التنقل إلى النصف.\n- ممرات آمنة للراجلين قرب المدارس.\n\n"
            "> «المشروع سيغير حياة آلاف الأسر» يقول رئيس الجماعة.\n\n"
            f"![الورش]( /uploads/{name})\n\nللمزيد: [بلاغ الوزارة](https://example.org/communique)."
        )
        article = article_service.create_article(article_service.ArticleDraft(
            title="انطلاق أشغال توسعة الطريق بين مراكش وأكادير", lead="مشروع بكلفة مليار درهم ينتهي بعد سنتين.",
            body=body, source="و.م.ع", category="مجتمع", tags=("طرق", "مراكش"), status=ArticleStatus.PUBLISHED,
            cover_image=name, publish_at=utcnow() - timedelta(minutes=5),
        ), editor)
        slug = article.slug
    backend = request.node.callspec.id
    for lang, direction in (("ar", "rtl"), ("fr", "ltr")):
        page.goto(f"{live_server}/?lang={lang}")
        assert page.locator("html").get_attribute("dir") == direction
        assert page.locator(".teaser").count() == 3
        page.screenshot(path=str(artifacts / f"front-{lang}-{backend}.png"), full_page=True)
        page.goto(f"{live_server}/articles/{slug}?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator(".article-body h2").inner_text() == "ما الذي سيتغير؟"
        assert page.locator(".cover img").evaluate("img => img.naturalWidth") > 0
        assert page.locator(".article-body img").evaluate("img => img.naturalWidth") > 0
        # Nothing sticks out sideways on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 412
        page.screenshot(path=str(artifacts / f"article-{lang}-{backend}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 1000])
def test_the_search_box_shows_its_whole_placeholder_in_every_language(app, live_server, browser, width):
    """At desktop widths the header's search box sits beside the name, at most 22rem wide: its hint must fit
    ("Rechercher dans les articles" was cut to "Rechercher dans les artic")."""
    context = browser.new_context(viewport={"width": width, "height": 600})
    tab = context.new_page()
    for lang in ("ar", "fr", "en"):
        tab.goto(f"{live_server}/?lang={lang}")
        text, room = tab.locator(".search-box input").evaluate("""box => {
            const style = getComputedStyle(box), pen = document.createElement("canvas").getContext("2d");
            pen.font = style.font;
            return [pen.measureText(box.placeholder).width,
                    box.clientWidth - parseFloat(style.paddingInlineStart) - parseFloat(style.paddingInlineEnd)];
        }""")
        assert 0 < text <= room, (lang, text, room)
    context.close()


def test_desk_in_the_browser(app, live_server, page, artifacts, request):
    """An editor logs in, lands on the desk, writes a draft and previews it."""
    make_user(app, Role.EDITOR, "desk-shot@example.org")
    page.goto(live_server + "/auth/login")
    page.fill("#email", "desk-shot@example.org")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    assert page.url == live_server + "/desk/"
    page.click("text=مقال جديد")
    page.fill("#title", "حملة تشجير في أحياء طنجة")
    page.fill("#lead", "متطوعون يغرسون ألف شجرة.")
    page.fill("#body", "## البداية\n\nانطلقت الحملة صباح اليوم.")
    page.fill("#category", "بيئة")
    page.click("main button[type=submit] >> text=حفظ")
    assert "/edit" in page.url and page.locator(".flash-success").count() == 1
    page.screenshot(path=str(artifacts / f"desk-edit-{request.node.callspec.id}.png"), full_page=True)
    page.click("text=معاينة")
    assert page.locator(".article-body h2").inner_text() == "البداية"
    page.goto(live_server + "/desk/")
    assert page.locator("td .status-draft").count() == 1
    page.screenshot(path=str(artifacts / f"desk-list-{request.node.callspec.id}.png"), full_page=True)
