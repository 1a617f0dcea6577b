"""Readers' side: front page, categories, tags, neighbours, search, Atom feeds, sitemap, robots, meta tags."""
from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import select

from blog.extensions import db
from blog.models import Article, ArticleStatus, Comment, Role, User, utcnow
from blog.services import articles as article_service
from blog.slugs import slugify
from tests.conftest import csrf_token, make_user

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ECONOMY, TAG = slugify("اقتصاد"), slugify("وسم")


def write(app, title, *, status=ArticleStatus.PUBLISHED, hours_ago=0, body="نص المقال.", category="", tags=(), lead="مقدمة",
          slug=""):
    """Store an article through the editors' service; returns its slug."""
    with app.test_request_context("/"):
        editor = db.session.query(User).filter_by(email="desk@example.org").one_or_none()
        if editor is None:
            make_user(app, Role.EDITOR, "desk@example.org")
            editor = db.session.query(User).filter_by(email="desk@example.org").one()
        draft = article_service.ArticleDraft(
            title=title, lead=lead, body=body, source="مجلس", category=category, tags=tuple(tags), status=status,
            publish_at=utcnow() - timedelta(hours=hours_ago), slug=slug,
        )
        return article_service.create_article(draft, editor).slug


@pytest.fixture
def site(app):
    """Five published articles (newest first: 0..4), one draft, one unpublished, one scheduled later."""
    slugs = [write(app, f"خبر رقم {i}", hours_ago=i, category="اقتصاد" if i % 2 else "رياضة", tags=["وسم"] if i < 2 else [])
             for i in range(5)]
    hidden = [
        write(app, "مسودة لا تظهر", status=ArticleStatus.DRAFT),
        write(app, "مقال سحب", status=ArticleStatus.UNPUBLISHED),
        write(app, "مقال مجدول لاحقا", status=ArticleStatus.SCHEDULED, hours_ago=-5),
    ]
    return {"published": slugs, "hidden": hidden}


def titles(html: str) -> list[str]:
    return re.findall(r'<h2[^>]*><a href="/articles/[^"]+">([^<]+)</a></h2>', html)


def test_front_page_lists_the_latest_with_lead_date_and_comment_count_paginated(app, client, site):
    app.config["ARTICLES_PER_PAGE"] = 2
    first = client.get("/").get_data(as_text=True)
    assert titles(first) == ["خبر رقم 0", "خبر رقم 1"]
    assert "مقدمة" in first and "لا تعليقات بعد" in first and re.search(r'<time datetime="\d{4}-\d\d-\d\dT', first)
    assert 'rel="next" href="/?page=2"' in first
    third = client.get("/?page=3").get_data(as_text=True)
    assert titles(third) == ["خبر رقم 4"] and 'rel="prev" href="/?page=2"' in third
    assert '<link rel="canonical" href="http://localhost/?page=3">' in third
    everything = "".join(client.get(f"/?page={n}").get_data(as_text=True) for n in (1, 2, 3))
    for hidden in ("مسودة لا تظهر", "مقال سحب", "مقال مجدول لاحقا"):
        assert hidden not in everything
    assert client.get("/?page=abc").status_code == 200
    # A page past the end (an old link) is no page: not an empty one saying nothing was ever published.
    for past in ("/?page=4", f"/category/{ECONOMY}?page=9", f"/tag/{TAG}?page=2"):
        response = client.get(past)
        assert response.status_code == 404 and "لا توجد مقالات منشورة بعد" not in response.get_data(as_text=True), past
    assert client.get("/search?q=لاشيء&page=1").status_code == 200  # a search that finds nothing says so
    assert titles(client.get("/search?q=خبر&page=7").get_data(as_text=True))  # its pages end at its last


def page_title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1)


def test_the_front_page_and_the_search_say_in_their_title_which_page_they_are(app, client, site):
    app.config["ARTICLES_PER_PAGE"] = 1
    assert page_title(client.get("/").get_data(as_text=True)) == "آخر المقالات · مجلس"
    assert page_title(client.get("/?page=2").get_data(as_text=True)) == "آخر المقالات · صفحة 2 · مجلس"
    assert page_title(client.get(f"/category/{ECONOMY}?page=2").get_data(as_text=True)) == "اقتصاد · صفحة 2 · مجلس"
    assert page_title(app.test_client().get("/?lang=fr").get_data(as_text=True)) == "Derniers articles · مجلس"
    # The search pattern is one sentence to translate (French spaces its colon, unbreakably); the query isolated.
    assert page_title(client.get("/search?q=fes").get_data(as_text=True)) == "بحث: \u2068fes\u2069 · مجلس"
    french = app.test_client().get("/search?q=fes&lang=fr").get_data(as_text=True)
    assert page_title(french) == "Rechercher\u00a0: \u2068fes\u2069 · مجلس"
    assert page_title(client.get("/search?q=<b>x").get_data(as_text=True)) == "بحث: \u2068&lt;b&gt;x\u2069 · مجلس"
    assert page_title(client.get("/search").get_data(as_text=True)) == "بحث · مجلس"


def test_an_address_with_a_slash_too_many_goes_to_its_page(app, client, site):
    slug = site["published"][0]
    moved = client.get(f"/articles/{slug}/?lang=fr")
    assert moved.status_code == 308 and moved.headers["Location"] == f"/articles/{slug}?lang=fr"
    assert client.get(f"/category/{ECONOMY}//").headers["Location"] == f"/category/{ECONOMY}"
    assert client.get("/articles/no-such-article/", follow_redirects=True).status_code == 404
    for nowhere in ("//evil.example/", "/nothing/here/"):  # never a redirect to another site
        assert client.get("/", environ_overrides={"PATH_INFO": nowhere}).status_code == 404, nowhere
    assert client.get("/desk").status_code in (302, 308)  # a page whose own address ends with a slash: as before


def test_category_and_tag_pages(app, client, site):
    html = client.get(f"/category/{ECONOMY}").get_data(as_text=True)
    assert titles(html) == ["خبر رقم 1", "خبر رقم 3"]
    assert "<h1" in html and "اقتصاد" in html
    assert f'href="http://localhost/category/{ECONOMY}/feed.atom"' in html
    tag = client.get(f"/tag/{TAG}").get_data(as_text=True)
    assert titles(tag) == ["خبر رقم 0", "خبر رقم 1"]
    assert client.get("/category/nothing-here").status_code == 404
    assert client.get("/tag/nothing-here").status_code == 404


def test_article_page_links_previous_and_next_and_has_meta_tags(app, client, site):
    slugs = site["published"]
    html = client.get(f"/articles/{slugs[2]}").get_data(as_text=True)
    assert f'rel="prev" class="prev" href="/articles/{slugs[3]}"' in html
    assert f'rel="next" class="next" href="/articles/{slugs[1]}"' in html
    assert f'<link rel="canonical" href="http://localhost/articles/{slugs[2]}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="خبر رقم 2">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert '<meta property="article:section" content="رياضة">' in html
    newest = client.get(f"/articles/{slugs[0]}").get_data(as_text=True)
    assert 'rel="next"' not in newest.split('class="neighbours"', 1)[1].split("</nav>", 1)[0]
    # The newest live article never links to one readers cannot see.
    for hidden in site["hidden"]:
        assert f"/articles/{hidden}" not in newest
        assert client.get(f"/articles/{hidden}").status_code == 404


def test_article_page_shows_every_tag_in_name_order_and_its_category(app, client):
    """The article, its category and its tags come in one statement: no tag may be lost in the join."""
    slug = write(app, "خبر بوسوم كثيرة", category="اقتصاد", tags=["زيتون", "Beta", "alpha", "تعاونيات"])
    html = client.get(f"/articles/{slug}").get_data(as_text=True)
    shown = re.findall(r'<meta property="article:tag" content="([^"]+)">', html)
    with app.app_context():  # the relationship's own order (by name, in the database's collation)
        stored = [tag.name for tag in db.session.scalar(select(Article).where(Article.slug == slug)).tags]
    assert shown == stored and sorted(shown) == sorted(["زيتون", "Beta", "alpha", "تعاونيات"])
    assert '<meta property="article:section" content="اقتصاد">' in html
    assert html.count('<ul class="tags"') == 1 and all(f">{name}</a>" in html for name in shown)


@pytest.mark.parametrize("query", [
    "افتتاح", "إفتتاح", "أفتتاح", "اِفْتِتَاح", "مكتبة", "المكتبة", "مكتبه", "والمكتبة", "مَكْتَبَةٌ", "المكتـــبة",
    "مكتب", "الجهة ٢٠٢٤", "Médiathèque", "mediatheque",
])
def test_search_finds_arabic_words_whatever_their_hamza_or_diacritics(app, client, query):
    target = write(app, "إفتتاح المكتبة الجديدة", body="افتُتحت المكتبةُ بدعم من الجهة سنة 2024. Médiathèque.")
    write(app, "خبر عن الرياضة", body="مباراة كرة القدم.")
    write(app, "مسودة عن افتتاح مكتبة", status=ArticleStatus.DRAFT)
    html = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    assert titles(html) == ["إفتتاح المكتبة الجديدة"], (query, titles(html))
    assert f"/articles/{target}" in html


@pytest.mark.parametrize("query", ["إلكترونية", "الكترونية", "الإلكترونية", "التجارة إلكترونية", "إلكتروني"])
def test_a_word_whose_own_letters_begin_with_alef_lam_is_found_with_the_article(app, client, query):
    """'إلكترونية' is no article plus a word: it is found where the text writes 'الإلكترونية'."""
    write(app, "نمو التجارة الإلكترونية بالمغرب", body="تقرير عن الأسواق.")
    write(app, "خبر عن الرياضة", body="مباراة كرة القدم.")
    assert titles(client.get("/search", query_string={"q": query}).get_data(as_text=True)) == [
        "نمو التجارة الإلكترونية بالمغرب"], query


@pytest.mark.parametrize("query", ["تعاونية", "تعاونيات", "التعاونية", "والتعاونيات", "تعاوني"])
def test_a_word_is_found_in_its_other_number(app, client, query):
    """The singular finds the plural written in the text, and the plural the singular (ة and ات)."""
    write(app, "تعاونيات الأركان بسوس", body="نساء يشتغلن في الأركان.")
    write(app, "افتتاح تعاونية للخياطة", body="ورشة جديدة في الحي.")
    write(app, "خبر عن الرياضة", body="مباراة كرة القدم.")
    assert sorted(titles(client.get("/search", query_string={"q": query}).get_data(as_text=True))) == [
        "افتتاح تعاونية للخياطة", "تعاونيات الأركان بسوس"], query


@pytest.mark.parametrize("query", ["بأكادير", "وأكادير", "لأكادير", "أكادير"])
def test_a_word_with_a_particle_glued_to_it_is_found_without_it(app, client, query):
    """"بأكادير" (in Agadir) finds the text's "أكادير"; words of four letters or fewer keep their first letter."""
    write(app, "مهرجان أكادير للسينما", body="دورة جديدة في الصيف.")
    write(app, "خبر عن الرياضة", body="مباراة كرة القدم في بنك.")
    assert titles(client.get("/search", query_string={"q": query}).get_data(as_text=True)) == [
        "مهرجان أكادير للسينما"], query
    assert titles(client.get("/search", query_string={"q": "وبنك"}).get_data(as_text=True)) == []


@pytest.mark.parametrize("query", ["أكادير", "الأكادير", "اكادير", "بأكادير", "وأكادير", "أكاد"])
def test_a_word_the_text_glues_a_particle_to_is_found_by_the_bare_word(app, client, query):
    """The text's "بأكادير" is found by "أكادير" (or a prefix of four letters or more), with any particle."""
    write(app, "مهرجان للسينما", body="تنطلق الدورة الجديدة بأكادير في الصيف.")
    write(app, "خبر عن الرياضة", body="مباراة كرة القدم.")
    assert titles(client.get("/search", query_string={"q": query}).get_data(as_text=True)) == ["مهرجان للسينما"], query


@pytest.mark.parametrize("query", ["زار", "زارة", "ركا", "يان"])
def test_a_short_query_word_does_not_reach_the_words_the_text_glues_a_particle_to(app, client, query):
    """"زار" (he visited) does not find every "وزارة" (ministry): three letters are no word read off."""
    write(app, "بلاغ", body="أصدرت الوزارة بيانا، ووزارة الداخلية كذلك، من بركان.")
    assert titles(client.get("/search", query_string={"q": query}).get_data(as_text=True)) == [], query


@pytest.mark.parametrize("query", ["المسؤول", "المسئول", "مسؤول", "مسئول", "شئون", "الشؤون"])
def test_hamza_written_on_waw_or_on_ya_finds_both_spellings(app, client, query):
    """"المسئول" and "المسؤول" (or "شئون", "شؤون") are one word written two ways, in the text as in the query."""
    write(app, "تصريح المسؤول الجهوي", body="قال في الشؤون المحلية.")
    write(app, "حوار مع المسئول", body="عن شئون الجهة.")
    write(app, "خبر عن الرياضة", body="مباراة كرة القدم.")
    assert sorted(titles(client.get("/search", query_string={"q": query}).get_data(as_text=True))) == [
        "تصريح المسؤول الجهوي", "حوار مع المسئول"], query


def test_the_words_of_an_articles_address_are_searched(app, client):
    """A Latin place name written only in the address ("fes") finds the article, a later address too."""
    slug = write(app, "مهرجان الموسيقى الروحية", body="دورة جديدة.", slug="festival-fes-2026")
    write(app, "خبر عن الرياضة", body="مباراة كرة القدم.")
    for query in ("fes", "FES", "festival 2026"):
        assert titles(client.get("/search", query_string={"q": query}).get_data(as_text=True)) == [
            "مهرجان الموسيقى الروحية"], query
    with app.test_request_context("/"):
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        editor = db.session.query(User).filter_by(email="desk@example.org").one()
        article_service.update_article(article.id, article_service.ArticleDraft(
            title=article.title, lead=article.lead, body=article.body, source="مجلس", status=article.status,
            slug="sacred-music-meknes"), editor, article.version)
        db.session.commit()
    assert titles(client.get("/search", query_string={"q": "meknes"}).get_data(as_text=True)) == [
        "مهرجان الموسيقى الروحية"]
    assert titles(client.get("/search", query_string={"q": "fes"}).get_data(as_text=True)) == []


def test_articles_holding_the_query_words_whole_come_first(app, client):
    """"fes" finds "festival" too (a query word is a prefix), but the article on Fès comes first, though older;
    within each group, newest first."""
    write(app, "موسم طانطان", body="Festival de Tan-Tan.", slug="festival-tantan", hours_ago=3)
    write(app, "المدينة العتيقة", body="Fès.", slug="medina", hours_ago=5)
    write(app, "مهرجان آخر", body="Festival.", slug="festival-2", hours_ago=1)
    assert titles(client.get("/search", query_string={"q": "Fès"}).get_data(as_text=True)) == [
        "المدينة العتيقة", "مهرجان آخر", "موسم طانطان"]
    write(app, "خبر عن المكتبات", body="افتتاح المكتبة الوسائطية.", hours_ago=4)
    write(app, "خبر عن مكتب", body="مكتبي الجديد.", hours_ago=1)
    assert titles(client.get("/search", query_string={"q": "والمكتبة"}).get_data(as_text=True)) == [
        "خبر عن المكتبات", "خبر عن مكتب"]


def test_search_with_nothing_to_find(app, client, site):
    assert titles(client.get("/search?q=كلمة+غير+موجودة").get_data(as_text=True)) == []
    empty = client.get("/search?q=")
    assert empty.status_code == 200 and titles(empty.get_data(as_text=True)) == []
    assert client.get("/search?q=" + "%25%27%22<>" * 50).status_code == 200
    # Every word must match: one known and one unknown word find nothing.
    assert titles(client.get("/search?q=خبر+غيرموجود").get_data(as_text=True)) == []
    assert len(titles(client.get("/search?q=خبر").get_data(as_text=True))) == 5


def test_atom_feeds_parse_back_and_list_published_articles(app, client, site):
    response = client.get("/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.get_data())
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}id").text == "http://localhost/feed.atom"
    assert feed.find(f"{ATOM}updated").text
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [f"خبر رقم {i}" for i in range(5)]
    for entry in entries:
        assert entry.find(f"{ATOM}link").get("href").startswith("http://localhost/articles/")
        assert entry.find(f"{ATOM}id").text.startswith("tag:localhost,")
        assert entry.find(f"{ATOM}published").text and entry.find(f"{ATOM}updated").text
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "html" and content.text.strip() == "<p>نص المقال.</p>"
    category = ET.fromstring(client.get(f"/category/{ECONOMY}/feed.atom").get_data())
    assert [e.find(f"{ATOM}title").text for e in category.findall(f"{ATOM}entry")] == ["خبر رقم 1", "خبر رقم 3"]
    assert client.get("/category/nothing/feed.atom").status_code == 404


def test_feed_of_an_empty_site_is_still_valid_atom(client):
    feed = ET.fromstring(client.get("/feed.atom").get_data())
    assert feed.findall(f"{ATOM}entry") == [] and feed.find(f"{ATOM}updated").text


def test_sitemap_lists_every_published_article_and_robots_points_to_it(app, client, site):
    with app.app_context():  # the third newest edited since: the front page shows its new title
        db.session.query(Article).filter_by(slug=site["published"][2]).update(
            {"updated_at": utcnow() + timedelta(minutes=5)})
        db.session.commit()
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    urls = [u.find(f"{SITEMAP}loc").text for u in ET.fromstring(response.get_data()).findall(f"{SITEMAP}url")]
    articles = {u.rsplit("/", 1)[1] for u in urls if "/articles/" in u}
    assert articles == set(site["published"])
    assert "http://localhost/" in urls and f"http://localhost/category/{ECONOMY}" in urls
    # The front page lists the articles: it changed when the latest of them did (an edit after publication too).
    changed = {u.find(f"{SITEMAP}loc").text: u.find(f"{SITEMAP}lastmod").text
               for u in ET.fromstring(response.get_data()).findall(f"{SITEMAP}url") if u.find(f"{SITEMAP}lastmod") is not None}
    assert changed["http://localhost/"] == max(changed[u] for u in changed if "/articles/" in u)
    robots = client.get("/robots.txt")
    assert robots.mimetype == "text/plain"
    text = robots.get_data(as_text=True)
    assert "Disallow: /desk/" in text and "Disallow: /admin/" in text and "Sitemap: http://localhost/sitemap.xml" in text


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("fr", "ltr"), ("en", "ltr")])
def test_error_pages_in_the_readers_language(app, lang, direction):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    client = app.test_client()
    missing = client.get(f"/articles/nope?lang={lang}")
    assert missing.status_code == 404
    assert f'<html lang="{lang}" dir="{direction}">' in missing.get_data(as_text=True)
    broken = client.get(f"/boom-for-test?lang={lang}")
    assert broken.status_code == 500
    html = broken.get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{direction}">' in html and "boom" not in html.split("<main", 1)[1]


def test_static_urls_are_flask_s_under_each_script_root(app, article):
    """static_url() in templates answers url_for("static") (kept per script root: a site mounted under a
    prefix gets its own)."""
    from flask import render_template_string, url_for

    for root in ("", "/news", ""):
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            assert render_template_string("{{ static_url('js/comments.js') }}") == \
                url_for("static", filename="js/comments.js") == f"{root}/static/js/comments.js"
    html = app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert '<script src="/static/js/comments.js" defer></script>' in html
    assert 'href="/static/css/site.css"' in html


def test_listings_walk_articles_by_date_and_count_nothing(app, client, site):
    """The front page (and category and tag pages, feeds) read their page from the publication-date index and
    stop there, with one article more to tell whether a next page exists: no count of every live article and no
    sort of them all, however many there are (SQLite, without statistics, chose the status index and sorted)."""
    from sqlalchemy import event, text

    from blog.services.articles import _live, _newest_first

    with app.app_context():
        engine = db.engine
    statements = []
    record = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert titles(client.get("/").get_data(as_text=True))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert not [s for s in statements if "count(" in s.lower() and "articles" in s], statements
    with app.app_context():
        statement = str(_newest_first(_live()).limit(11).compile(dialect=engine.dialect,
                                                                compile_kwargs={"literal_binds": True}))
        if engine.dialect.name == "sqlite":
            plan = " | ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + statement)))
            assert "ix_articles_published_at_id" in plan and "TEMP B-TREE" not in plan, plan
        else:
            for setting in ("enable_sort", "enable_incremental_sort", "enable_seqscan"):
                db.session.execute(text(f"SET LOCAL {setting} = off"))  # a small table: the index's plan anyway
            plan = "\n".join(row[0] for row in db.session.execute(text("EXPLAIN " + statement)))
            assert "ix_articles_published_at_id" in plan and "Sort" not in plan, plan
        db.session.rollback()


def test_comments_coming_and_going_do_not_date_the_article_again_in_the_feed_or_the_sitemap(app, client, article,
                                                                                          staff_client):
    """An article's comment counts live on its row; their changes are not changes of the article: its feed entry's
    <updated> and its sitemap <lastmod> keep the date of its last edit."""
    from tests.views.test_reader_journey import post_comment

    def dates():
        feed = ET.fromstring(client.get("/feed.atom").get_data())
        entry = feed.find(f"{ATOM}entry").find(f"{ATOM}updated").text
        sitemap = ET.fromstring(client.get("/sitemap.xml").get_data())
        lastmod = [u.find(f"{SITEMAP}lastmod").text for u in sitemap.findall(f"{SITEMAP}url")
                   if u.find(f"{SITEMAP}loc").text.endswith("/articles/test-article")]
        return entry, lastmod

    before = dates()
    time.sleep(1.1)  # the feed's dates are to the second
    assert post_comment(client, "test-article", body="تعليق يمر على المشرف").status_code == 303
    with app.app_context():
        pending = db.session.scalars(select(Comment).where(Comment.body == "تعليق يمر على المشرف")).one().id
    moderator = staff_client(Role.MODERATOR)
    token = csrf_token(moderator.get("/moderation/").get_data(as_text=True))
    assert moderator.post(f"/moderation/comments/{pending}/approve", data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.get(Article, article["id"]).published_comment_count == 1
    assert dates() == before
