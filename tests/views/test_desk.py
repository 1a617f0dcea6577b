"""The editors' desk through the test client: write, schedule, preview, revise, restore, upload."""
from __future__ import annotations

import io
import os
import re
import struct
import time
import zlib
from datetime import datetime, timedelta

import pytest
from babel.dates import get_timezone
from PIL import Image
from sqlalchemy import func, select, update

from blog.extensions import db
from blog.models import (
    Article, ArticleRevision, ArticleSlug, ArticleStatus, ArticleTerm, Category, Comment, CommentStatus, Role, Tag,
)
from tests.conftest import csrf_token

BODY = "## عنوان فرعي\n\nفقرة **مهمة** عن [الموقع](https://example.org).\n\n> اقتباس من مسؤول\n\n- أولا\n- ثانيا"
ARTICLE = {
    "title": "افتتاح مكتبة جديدة بمراكش",
    "lead": "مقدمة المقال عن المكتبة.",
    "body": BODY,
    "source": "وكالة المغرب العربي للأنباء",
    "category": "ثقافة",
    "tags": "مكتبات، قراءة, مراكش",
    "status": "published",
    "publish_at": "",
    "comments_open": "y",
}


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    assert match, f"no hidden {name} in the page"
    return match.group(1)


def create(client, **fields):
    page = client.get("/desk/articles/new").get_data(as_text=True)
    data = {**ARTICLE, **fields, "csrf_token": csrf_token(page)}
    return client.post("/desk/articles/new", data=data, content_type="multipart/form-data")


def created_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    match = re.fullmatch(r"/desk/articles/(\d+)/edit", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def edit_form(client, article_id):
    html = client.get(f"/desk/articles/{article_id}/edit").get_data(as_text=True)
    return {"csrf_token": csrf_token(html), "version": hidden(html, "version")}


def save(client, article_id, form=None, **fields):
    form = form or edit_form(client, article_id)
    data = {**ARTICLE, **fields, **form}
    return client.post(f"/desk/articles/{article_id}/edit", data=data, content_type="multipart/form-data")


def local_time(delta: timedelta, app) -> str:
    """The site's time `delta` from now, as the form's field takes it (the time-zone data the pages use)."""
    zone = get_timezone(app.config["BABEL_DEFAULT_TIMEZONE"])
    return (datetime.now(zone) + delta).strftime("%Y-%m-%dT%H:%M:%S")


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (11, 110, 79)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def editor(staff_client):
    return staff_client(Role.EDITOR)


def test_editor_writes_and_publishes_an_article(app, editor, client):
    article_id = created_id(create(editor))
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article.status is ArticleStatus.PUBLISHED and article.published_at is not None
        assert article.slug == "aftitah-mktba-jdida-bmrakch" or re.fullmatch(r"[a-z0-9-]+", article.slug)
        assert article.category.name == "ثقافة"
        assert sorted(t.name for t in article.tags) == sorted(["مكتبات", "قراءة", "مراكش"])
        assert article.source == ARTICLE["source"] and article.body == BODY and article.version == 1
        assert db.session.scalar(select(func.count()).select_from(ArticleRevision)) == 1
        assert db.session.scalar(select(func.count()).select_from(ArticleTerm).where(ArticleTerm.article_id == article_id))
        slug, category_slug = article.slug, article.category.slug
        tag_slugs = [t.slug for t in article.tags]
    page = client.get(f"/articles/{slug}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<h2>عنوان فرعي</h2>" in html and "<strong>مهمة</strong>" in html
    assert '<a href="https://example.org" rel="nofollow noopener">الموقع</a>' in html
    assert "<blockquote>" in html and "<li>أولا</li>" in html
    assert ARTICLE["source"] in html
    assert ARTICLE["title"] in client.get("/").get_data(as_text=True)
    assert ARTICLE["title"] in client.get(f"/category/{category_slug}").get_data(as_text=True)
    for tag_slug in tag_slugs:
        assert ARTICLE["title"] in client.get(f"/tag/{tag_slug}").get_data(as_text=True)


def test_same_title_gets_a_unique_slug_and_a_title_without_latin_letters_a_short_id(app, editor):
    first = created_id(create(editor))
    second = created_id(create(editor, body=BODY + "\n\nفقرة أخرى."))
    emoji = created_id(create(editor, title="🎉🎉"))
    with app.app_context():
        a, b, c = (db.session.get(Article, i) for i in (first, second, emoji))
        assert b.slug == a.slug + "-2"
        assert re.fullmatch(r"a-[0-9a-f]{8}", c.slug)


def test_drafts_are_hidden_from_readers_but_previewed_by_editors(app, editor, client):
    article_id = created_id(create(editor, status="draft", title="مسودة سرية"))
    with app.app_context():
        slug = db.session.get(Article, article_id).slug
    assert client.get(f"/articles/{slug}").status_code == 404
    assert "مسودة سرية" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/desk/articles/{article_id}/preview").status_code == 302  # anonymous: to the login page
    preview = editor.get(f"/desk/articles/{article_id}/preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "مسودة سرية" in html and "<h2>عنوان فرعي</h2>" in html and "معاينة" in html
    assert '<meta name="robots" content="noindex">' in html
    # The comment form as readers will see it, which cannot be sent from the preview (the draft takes none).
    assert '<fieldset class="preview-form" disabled>' in html and "ولا يُرسل" in html
    assert html.index('<fieldset class="preview-form" disabled>') < html.index('name="body"')
    # A draft has no date yet: its category stands alone, with no separator left hanging.
    meta = html.split('<p class="meta">', 1)[1].split("</p>", 1)[0]
    assert ARTICLE["category"] in meta and "<time" not in meta and "·" not in meta, meta


def _counts(app):
    with app.app_context():
        return [db.session.scalar(select(func.count()).select_from(model))
                for model in (Article, ArticleRevision, ArticleTerm, Category, Tag)]


def test_a_new_article_is_previewed_before_its_first_save_and_nothing_is_written(app, editor):
    page = editor.get("/desk/articles/new").get_data(as_text=True)
    assert 'formaction="/desk/articles/new/preview"' in page and 'formtarget="_blank"' in page
    before = _counts(app)
    response = editor.post("/desk/articles/new/preview", data={
        **ARTICLE, "body": BODY + "\n\n<script>alert(1)</script>", "category": "قسم لم يوجد بعد",
        "csrf_token": csrf_token(page)}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ARTICLE["title"] in html and "<h2>عنوان فرعي</h2>" in html and "<script>alert" not in html
    assert "قسم لم يوجد بعد" in html and ">مراكش</a>" in html  # its category and tags, as they will be named
    assert "هذا النص لم يُحفظ بعد" in html and '<meta name="robots" content="noindex">' in html
    # The readers' comment form below is empty: its "body" is not the article's, though the names are the same.
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\s*</textarea>', html)
    assert _counts(app) == before  # no article, revision, term, category or tag
    # A form that would not save says why, with the text kept, as a save would.
    refused = editor.post("/desk/articles/new/preview", data={**ARTICLE, "title": "", "csrf_token": csrf_token(page)},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "العنوان مطلوب." in refused.get_data(as_text=True)
    assert "فقرة **مهمة**" in refused.get_data(as_text=True)
    assert _counts(app) == before


def test_an_edit_is_previewed_with_its_unsaved_text_and_the_saved_article_is_unchanged(app, editor, client):
    article_id = created_id(create(editor))
    with app.app_context():
        slug, version = db.session.get(Article, article_id).slug, db.session.get(Article, article_id).version
    form = edit_form(editor, article_id)
    before = _counts(app)
    response = editor.post(f"/desk/articles/{article_id}/preview", data={
        **ARTICLE, **form, "title": "عنوان لم يُحفظ", "body": "## فقرة جديدة", "tags": ""},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "عنوان لم يُحفظ" in html and "<h2>فقرة جديدة</h2>" in html and ">مراكش</a>" not in html
    assert _counts(app) == before
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert (article.title, article.version) == (ARTICLE["title"], version)
    public = client.get(f"/articles/{slug}").get_data(as_text=True)  # readers, and the page cache, never see it
    assert ARTICLE["title"] in public and "عنوان لم يُحفظ" not in public
    # The saved article's own preview is still the saved text.
    saved = editor.get(f"/desk/articles/{article_id}/preview").get_data(as_text=True)
    assert ARTICLE["title"] in saved and "عنوان لم يُحفظ" not in saved


def test_scheduled_article_appears_when_the_clock_passes_its_time(app, editor, client):
    article_id = created_id(create(editor, status="scheduled", publish_at=local_time(timedelta(seconds=2), app)))
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article.status is ArticleStatus.SCHEDULED
        slug = article.slug
    assert client.get(f"/articles/{slug}").status_code == 404
    assert ARTICLE["title"] not in client.get("/").get_data(as_text=True)
    assert "/articles/" not in client.get("/sitemap.xml").get_data(as_text=True)

    time.sleep(2.5)
    assert client.get(f"/articles/{slug}").status_code == 200
    assert ARTICLE["title"] in client.get("/").get_data(as_text=True)
    assert f"/articles/{slug}</loc>" in client.get("/sitemap.xml").get_data(as_text=True)
    # The first write after that time flips the stored status, so comments are taken as on any article.
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    response = client.post(f"/articles/{slug}/comments", data={
        "author_name": "قارئ", "author_email": "reader@example.org", "body": "شكرا على المقال.",
        "csrf_token": csrf_token(page),
    })
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Article, article_id).status is ArticleStatus.PUBLISHED
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 1


def test_an_article_published_now_cannot_bear_a_date_to_come(app, editor, client):
    """Published with a date to come would be public at once and dated in the future: the form says to
    schedule it (or clear the date), with the text kept; a past date, or none, publishes as before."""
    response = create(editor, status="published", publish_at=local_time(timedelta(days=30), app))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "هذا التاريخ لم يأت بعد" in html and ARTICLE["title"] in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 0
    assert create(editor, status="published", publish_at=local_time(-timedelta(days=2), app)).status_code == 303
    assert create(editor, status="scheduled", publish_at=local_time(timedelta(days=30), app),
                  slug="later-article").status_code == 303


@pytest.mark.parametrize("when", ["0001-01-01T10:00", "0026-05-03T10:00", "9999-12-31T23:59"])
def test_a_year_mistyped_is_refused_with_the_text_kept(app, editor, when):
    response = create(editor, status="published", publish_at=when)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "اكتب تاريخا بين سنة 1900 وسنة 2100." in html and ARTICLE["title"] in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def test_an_article_scheduled_cannot_bear_a_date_gone_by(app, editor, client):
    """Scheduled for a time gone by would be public at once and backdated, with no word to the editor: the form
    says so, with the text kept; the same date with "published" backdates on purpose."""
    response = create(editor, status="scheduled", publish_at=local_time(-timedelta(days=2), app))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "هذا التاريخ مضى" in html and ARTICLE["title"] in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 0
    assert create(editor, status="published", publish_at=local_time(-timedelta(days=2), app)).status_code == 303


def test_a_scheduled_article_published_now_with_its_date_cleared_is_dated_now(app, editor, client):
    """The form's own advice ("clear the date to publish now") works: the date to come is not kept."""
    article_id = created_id(create(editor, status="scheduled", publish_at=local_time(timedelta(days=2), app)))
    with app.app_context():
        slug = db.session.get(Article, article_id).slug
    assert save(editor, article_id, status="published", publish_at="").status_code == 303
    with app.app_context():
        published_at = db.session.get(Article, article_id).published_at
    assert abs((published_at - datetime.now(published_at.tzinfo)).total_seconds()) < 60
    assert client.get(f"/articles/{slug}").status_code == 200
    # Saved again as it is (the date shown in the form): no "this date has not come yet".
    assert save(editor, article_id, status="published").status_code == 303
    # A published article's own date gone by is kept when the field is cleared.
    old = created_id(create(editor, status="published", publish_at=local_time(-timedelta(days=5), app)))
    assert save(editor, old, publish_at="").status_code == 303
    with app.app_context():
        kept = db.session.get(Article, old).published_at
    assert (datetime.now(kept.tzinfo) - kept) > timedelta(days=4)


def test_the_editor_is_told_which_images_readers_will_not_see(app, editor):
    """Images from other sites are dropped from the page (no reader's data goes to a third party): the save says
    which, instead of letting them vanish; the site's own uploads and code that shows an <img> tag say nothing."""
    body = ("فقرة.\n\n![صورة](https://tracker.example/pixel.png?id=1&x=2)\n\n<img src='//cdn.example/a.jpg'>\n\n"
            "![ملكنا](/uploads/abcdefgh12.jpg)\n\n`<img src=\"https://code.example/x.png\">`\n")
    response = create(editor, body=body)
    article_id = created_id(response)
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    warning = re.search(r"هذه الصور لا تظهر في المقال لأنها من مواقع أخرى: ([^<]*)", page)
    assert warning, page
    assert warning.group(1).startswith("https://tracker.example/pixel.png?id=1&amp;x=2، //cdn.example/a.jpg. ")
    # In French, the list takes the Latin comma.
    editor.post("/language", data={"lang": "fr", "csrf_token": csrf_token(page)})
    response = save(editor, article_id, body=body)
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "https://tracker.example/pixel.png?id=1&amp;x=2, //cdn.example/a.jpg." in page
    # Saved again with the site's own image alone, by its path or its full address: saved, and no warning.
    response = save(editor, article_id, body="فقرة.\n\n![ملكنا](/uploads/abcdefgh12.jpg)\n\n"
                                              "![ملكنا](http://localhost/uploads/abcdefgh12.jpg)")
    assert response.status_code == 303
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Article enregistré." in page and "autres sites" not in page


def test_the_time_typed_is_the_time_the_desk_and_the_site_show(app, editor, client):
    """The form's time is converted with the same time-zone data as the dates the pages show: typed 10:00, it is
    10:00 in the desk's list and in the form again (the system's tzdata and Babel's may disagree on an offset)."""
    day = (datetime.now(get_timezone(app.config["BABEL_DEFAULT_TIMEZONE"])) - timedelta(days=3)).strftime("%Y-%m-%d")
    article_id = created_id(create(editor, status="published", publish_at=f"{day}T10:00"))
    listing = editor.get("/desk/").get_data(as_text=True)
    row = re.search(rf'<tr[^>]*>(?:(?!</tr>).)*/desk/articles/{article_id}(?:(?!</tr>).)*</tr>', listing, re.S).group(0)
    assert "10:00" in row, row
    assert f'value="{day}T10:00"' in editor.get(f"/desk/articles/{article_id}/edit").get_data(as_text=True)


def test_scheduling_needs_a_time(app, editor):
    response = create(editor, status="scheduled", publish_at="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "حدد تاريخ ووقت النشر" in html and ARTICLE["title"] in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def test_an_article_never_saved_at_the_desk_says_it_has_no_versions_yet(app, editor, article):
    """An article loaded another way (the demo, an import) has no revision: the page says so, not a blank list."""
    page = editor.get(f"/desk/articles/{article['id']}/revisions").get_data(as_text=True)
    assert "لا نسخ محفوظة لهذا المقال بعد" in page


def test_every_save_is_a_revision_and_a_former_text_can_be_restored(app, editor, client):
    article_id = created_id(create(editor))
    assert save(editor, article_id, body="نص جديد كليا عن الحديقة.", title="عنوان معدل").status_code == 303
    with app.app_context():
        assert [r.number for r in db.session.scalars(select(ArticleRevision).order_by(ArticleRevision.number))] == [1, 2]
        first = db.session.scalar(select(ArticleRevision).where(ArticleRevision.number == 1))
        slug = db.session.get(Article, article_id).slug
    page = editor.get(f"/desk/articles/{article_id}/revisions").get_data(as_text=True)
    assert "#1" in page and "#2" in page and "استعادة هذه النسخة" in page and "لا نسخ محفوظة" not in page
    assert "الحديقة" in client.get(f"/articles/{slug}").get_data(as_text=True)

    response = editor.post(f"/desk/articles/{article_id}/revisions/{first.id}/restore", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303 and response.headers["Location"] == f"/desk/articles/{article_id}/edit"
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article.body == BODY and article.title == ARTICLE["title"] and article.version == 3
        latest = db.session.scalar(select(ArticleRevision).order_by(ArticleRevision.number.desc()).limit(1))
        assert latest.number == 3 and latest.note == "#1" and latest.body == BODY
    html = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert "الحديقة" not in html and "<h2>عنوان فرعي</h2>" in html
    # The search index follows the restored text.
    assert client.get("/search?q=الحديقة").get_data(as_text=True).count('class="teaser') == 0
    assert editor.post(f"/desk/articles/{article_id}/revisions/999999/restore", data={"csrf_token": csrf_token(page)}).status_code == 404


def test_a_save_that_changes_only_the_category_or_the_tags_says_so_in_the_revisions(app, editor):
    """Before, such a save left a revision identical to the one before it: the history could not tell what moved."""
    article_id = created_id(create(editor))
    assert save(editor, article_id, category="اقتصاد").status_code == 303
    assert save(editor, article_id, category="اقتصاد", tags="قراءة، مكتبات").status_code == 303
    assert save(editor, article_id, category="", tags="قراءة، مكتبات", title="عنوان آخر").status_code == 303
    with app.app_context():
        kept = {r.number: (r.category, r.tag_names) for r in db.session.scalars(select(ArticleRevision))}
    assert kept == {1: ("ثقافة", ["قراءة", "مراكش", "مكتبات"]), 2: ("اقتصاد", ["قراءة", "مراكش", "مكتبات"]),
                    3: ("اقتصاد", ["قراءة", "مكتبات"]), 4: ("", ["قراءة", "مكتبات"])}

    page = editor.get(f"/desk/articles/{article_id}/revisions").get_data(as_text=True)
    changed = {int(number): said for number, said in re.findall(
        r'id="revision-(\d+)">(?:(?!</li>).)*?<p class="changed">([^<]*)</p>', page, re.S)}
    assert changed == {2: "ما تغيّر: القسم", 3: "ما تغيّر: الوسوم", 4: "ما تغيّر: العنوان · القسم"}
    assert "القسم: بلا قسم" in page and "الوسوم: قراءة · مكتبات" in page and "القسم: اقتصاد" in page

    # A restore brings back the text, not the category: the page says so, and the new revision keeps what is now.
    with app.app_context():
        first = db.session.scalar(select(ArticleRevision).where(ArticleRevision.number == 1))
    assert "يبقى القسم والوسوم والحالة كما هي الآن" in page
    editor.post(f"/desk/articles/{article_id}/revisions/{first.id}/restore", data={"csrf_token": csrf_token(page)})
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article.title == ARTICLE["title"] and article.category is None
        latest = db.session.scalar(select(ArticleRevision).where(ArticleRevision.number == 5))
        assert (latest.category, latest.tag_names) == ("", ["قراءة", "مكتبات"])
    page = editor.get(f"/desk/articles/{article_id}/revisions").get_data(as_text=True)
    assert re.search(r'id="revision-5">(?:(?!</li>).)*?<p class="changed">ما تغيّر: العنوان</p>', page, re.S)
    french = editor.get(f"/desk/articles/{article_id}/revisions?lang=fr").get_data(as_text=True)
    assert "Modifié\u00a0: Titre · Rubrique" in french and "Rubrique\u00a0: Sans rubrique" in french


def test_revisions_saved_before_the_category_was_kept_name_no_change_of_it(app, editor):
    """A revision from before the category and tags were kept (NULL) says nothing of them: not known is not none."""
    article_id = created_id(create(editor))
    assert save(editor, article_id, category="اقتصاد", body="نص آخر.").status_code == 303
    with app.app_context():
        db.session.execute(update(ArticleRevision).where(ArticleRevision.number == 1).values(category=None, tags=None))
        db.session.commit()
    page = editor.get(f"/desk/articles/{article_id}/revisions").get_data(as_text=True)
    assert '<p class="changed">ما تغيّر: النص</p>' in page
    assert page.count('class="classification"') == 1  # the second revision's, not the first's


def test_second_editor_saving_the_same_article_is_told_and_keeps_their_text(app, editor, staff_client):
    other = staff_client(Role.EDITOR)
    article_id = created_id(create(editor))
    mine, theirs = edit_form(editor, article_id), edit_form(other, article_id)
    assert save(editor, article_id, mine, body="نسخة المحرر الأول.").status_code == 303
    response = save(other, article_id, theirs, body="نسخة المحرر الثاني التي لا يجب أن تضيع.")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "عدّل محرر آخر هذا المقال" in html
    assert "نسخة المحرر الثاني التي لا يجب أن تضيع." in html   # their text, still in the form
    assert "نسخة المحرر الأول." in html                        # and the current text beside it
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article.body == "نسخة المحرر الأول." and article.version == 2
        assert db.session.scalar(select(func.count()).select_from(ArticleRevision)) == 2
    # The saved version's settings too, those the form would change marked: the first editor unpublished it.
    assert html.count('class="differs"') == 0  # the first editor changed the text alone
    mine = edit_form(editor, article_id)
    assert save(editor, article_id, mine, body="نسخة المحرر الأول.", status="draft", tags="قراءة").status_code == 303
    html = save(other, article_id, theirs, body="نسخة المحرر الثاني التي لا يجب أن تضيع.").get_data(as_text=True)
    fields = html.split('<dl class="current-fields">', 1)[1].split("</dl>", 1)[0]
    differing = re.findall(r'<div class="differs"><dt>([^<]*)</dt>\s*<dd dir="auto">([^<]*)', fields)
    assert [(label, value.strip()) for label, value in differing] == [("الحالة", "مسودة"), ("الوسوم (مفصولة بفواصل)", "قراءة")]
    assert "(يختلف عما في نموذجك أدناه)" in fields
    # Having seen the current version, the second editor saves on purpose.
    retry = {"csrf_token": theirs["csrf_token"], "version": hidden(html, "version")}
    assert save(other, article_id, retry, body="نسخة مدمجة.").status_code == 303
    with app.app_context():
        assert db.session.get(Article, article_id).body == "نسخة مدمجة."


def test_the_same_save_sent_twice_is_one_save_not_a_conflict(app, editor, staff_client):
    """A double click on Save (or a retry) sends the form twice on the version it was opened on: the second finds
    its own save, not another editor's."""
    article_id = created_id(create(editor))
    form = edit_form(editor, article_id)
    first = save(editor, article_id, form, body="نص بعد النقرة الأولى.", tags="قراءة، مراكش")
    again = save(editor, article_id, form, body="نص بعد النقرة الأولى.", tags="مراكش، قراءة")
    assert first.status_code == again.status_code == 303
    assert "محرر آخر" not in editor.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Article, article_id).version == 2
        assert db.session.scalar(select(func.count()).select_from(ArticleRevision)) == 2
    # Another text on the same old version is a conflict still, and so is the same text saved by another editor.
    assert save(editor, article_id, form, body="نص آخر.").status_code == 409
    other = staff_client(Role.EDITOR)
    theirs = {"csrf_token": edit_form(other, article_id)["csrf_token"], "version": form["version"]}
    assert save(other, article_id, theirs, body="نص بعد النقرة الأولى.", tags="قراءة، مراكش").status_code == 409


def test_changed_slug_redirects_the_old_one_permanently(app, editor, client):
    article_id = created_id(create(editor))
    with app.app_context():
        old = db.session.get(Article, article_id).slug
    assert save(editor, article_id, slug="maktaba-marrakech").status_code == 303
    response = client.get(f"/articles/{old}")
    assert response.status_code == 301 and response.headers["Location"] == "/articles/maktaba-marrakech"
    assert client.get("/articles/maktaba-marrakech").status_code == 200
    # Another article cannot take either slug.
    second = created_id(create(editor, title="مقال آخر"))
    for taken in ("maktaba-marrakech", old):
        response = save(editor, second, slug=taken, body="نص المقال الثاني")
        assert response.status_code == 409
        assert "هذا الرابط مستعمل لمقال آخر." in response.get_data(as_text=True)
        assert "نص المقال الثاني" in response.get_data(as_text=True)
    # A bad slug is refused with a message.
    response = save(editor, second, slug="Not A Slug!")
    assert response.status_code == 422 and "حروف لاتينية صغيرة" in response.get_data(as_text=True)
    # Going back to the former slug is allowed: it stops being a redirect.
    assert save(editor, article_id, slug=old).status_code == 303
    assert client.get(f"/articles/{old}").status_code == 200
    assert client.get("/articles/maktaba-marrakech").status_code == 301
    with app.app_context():
        assert {s.slug for s in db.session.scalars(select(ArticleSlug))} == {"maktaba-marrakech"}


def test_cover_image_is_resized_stored_and_served(app, editor, client, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    response = create(editor, cover=(io.BytesIO(png(3200, 1000)), "cover.png"))
    article_id = created_id(response)
    with app.app_context():
        article = db.session.get(Article, article_id)
        name, slug = article.cover_image, article.slug
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}\.jpg", name)
    with Image.open(tmp_path / "uploads" / name) as stored:
        assert stored.format == "JPEG" and stored.size == (app.config["IMAGE_MAX_SIDE"], 500)
    served = client.get(f"/uploads/{name}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert client.get("/uploads/..%2Fsecret_key").status_code == 404
    html = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert f'src="/uploads/{name}"' in html and f'<meta property="og:image" content="http://localhost/uploads/{name}">' in html
    # Remove it.
    assert save(editor, article_id, remove_cover="y").status_code == 303
    with app.app_context():
        assert db.session.get(Article, article_id).cover_image == ""


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares its dimensions and holds no pixels: what a reader of headers sees first."""
    header = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    end = b"IEND"
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + header + struct.pack(">I", zlib.crc32(header))
            + struct.pack(">I", 0) + end + struct.pack(">I", zlib.crc32(end)))


def noise_png(width: int, height: int) -> bytes:
    """A photo-sized PNG (noise does not compress): about 3 bytes a pixel."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "PNG")
    return out.getvalue()


def test_a_photo_of_a_few_megabytes_is_taken_and_a_larger_one_refused_with_the_form_kept(app, editor, tmp_path):
    """The desk's requests may be far larger than a reader's (256 KB): an editor's photo is taken through the
    real form, its CSRF token checked; one over UPLOAD_MAX_BYTES comes back with the message and the text."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    photo = noise_png(700, 500)
    assert 1_000_000 < len(photo) < app.config["UPLOAD_MAX_BYTES"]
    created = create(editor, cover=(io.BytesIO(photo), "photo.png"))
    assert created.status_code == 303
    with app.app_context():
        assert db.session.get(Article, created_id(created)).cover_image.endswith(".jpg")
    huge = noise_png(1500, 1300)
    assert app.config["UPLOAD_MAX_BYTES"] < len(huge) < app.config["DESK_MAX_CONTENT_LENGTH"]
    refused = create(editor, cover=(io.BytesIO(huge), "huge.png"), lead="مقدمة يجب أن تبقى")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "الصورة أكبر من الحد المسموح به" in html and "مقدمة يجب أن تبقى" in html


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        ((b"#!/bin/sh\necho not an image\n", "cover.jpg"), "الملف ليس صورة مقبولة"),
        ((b"GIF89a" + b"\x00" * 40, "broken.gif"), "الملف ليس صورة مقبولة"),
        (("big", "big.png"), "الصورة أكبر من الحد المسموح به"),
        ((png_header(8000, 6000), "wide.png"), "أبعاد الصورة كبيرة جدا: 40 مليون بكسل على الأكثر."),
        ((png_header(30000, 30000), "bomb.png"), "أبعاد الصورة كبيرة جدا: 40 مليون بكسل على الأكثر."),
    ],
)
def test_bad_uploads_are_refused_with_the_form_kept(app, editor, tmp_path, upload, message):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    app.config["UPLOAD_MAX_BYTES"] = 50_000
    data, filename = upload
    if data == "big":
        data = png(10, 10) + b"\x00" * 60_000
    response = create(editor, cover=(io.BytesIO(data), filename), lead="مقدمة يجب أن تبقى")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert ARTICLE["title"] in html and "مقدمة يجب أن تبقى" in html and "عنوان فرعي" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 0
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_body_images_only_from_the_sites_uploads(app, editor, client, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    page = editor.get("/desk/").get_data(as_text=True)
    response = editor.post("/desk/images", data={"csrf_token": csrf_token(page), "image": (io.BytesIO(png(40, 30)), "a.png")},
                           content_type="multipart/form-data", follow_redirects=True)
    markdown = re.search(r"!\[\]\((/uploads/[A-Za-z0-9_-]+\.jpg)\)", response.get_data(as_text=True))
    assert markdown, "the desk gives the Markdown of the uploaded image"
    # In a field of its own, left to right (inside an Arabic sentence its brackets came out of order), labelled.
    assert re.search(r'<label for="uploaded-markdown">[^<]+</label>\s*<input id="uploaded-markdown" class="markdown-line" '
                     r'dir="ltr" readonly value="!\[\]\(/uploads/', response.get_data(as_text=True))
    assert "uploaded-markdown" not in editor.get("/desk/?uploaded=../../etc/passwd").get_data(as_text=True)
    own = markdown.group(1)
    body = f"صورة من الموقع:\n\n![صورة]({own})\n\n![خارجية](https://evil.example/x.png)"
    article_id = created_id(create(editor, body=body))
    with app.app_context():
        slug = db.session.get(Article, article_id).slug
    html = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert f'<img src="{own}" alt="صورة">' in html
    assert "evil.example" not in html


def test_markdown_attacks_are_stripped(app, editor, client):
    body = (
        "<script>alert('x')</script>\n\n"
        "[click](javascript:alert(1)) <a href=\"javascript:alert(1)\">js</a> <em onmouseover=\"alert(1)\">em</em>\n\n"
        "<iframe src=\"https://evil.example\"></iframe>\n\n"
        "<p style=\"color:red\" onclick=\"alert(1)\">styled</p>\n\n"
        "<img src=x onerror=alert(1)>\n\n"
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)\n\n"
        "<svg onload=alert(1)></svg><object data=x></object><form action=x><input></form>"
    )
    article_id = created_id(create(editor, body=body))
    with app.app_context():
        slug = db.session.get(Article, article_id).slug
    html = client.get(f"/articles/{slug}").get_data(as_text=True)
    article_html = html.split('<div class="article-body" dir="auto">', 1)[1].split("</div>", 1)[0]
    elements = parse(article_html)
    assert {tag for tag, _attrs in elements} <= {"p", "a", "em", "strong"}, elements
    for _tag, attrs in elements:
        for name, value in attrs:
            assert name in {"href", "rel", "title"}, (name, value)
            assert not (value or "").strip().lower().startswith(("javascript:", "data:")), value
    assert "alert('x')" not in article_html and "styled" in article_html


def parse(html: str) -> list[tuple[str, list]]:
    """Every element of an HTML fragment with its attributes."""
    from html.parser import HTMLParser

    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_editors_list_shows_status_comment_counts_and_filters(app, editor):
    published = created_id(create(editor, title="منشور للقائمة"))
    draft = created_id(create(editor, title="مسودة للقائمة", status="draft"))
    with app.app_context():
        for status in (CommentStatus.PENDING, CommentStatus.PENDING, CommentStatus.PUBLISHED, CommentStatus.SPAM):
            db.session.add(Comment(article_id=published, author_name="س", author_email="s@example.org", body="نص",
                                   status=status, screen_details={}))
        db.session.get(Article, published).published_comment_count = 1
        db.session.commit()
    html = editor.get("/desk/").get_data(as_text=True)
    row = html.split(f'id="article-{published}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num pending">2</td>' in row and '<td class="num published">1</td>' in row
    assert "منشور" in row
    only_drafts = editor.get("/desk/?status=draft").get_data(as_text=True)
    assert "مسودة للقائمة" in only_drafts and "منشور للقائمة" not in only_drafts
    by_title = editor.get("/desk/?q=منشور").get_data(as_text=True)
    assert "منشور للقائمة" in by_title and "مسودة للقائمة" not in by_title
    # Spellings the editors do not tell apart: ta marbuta or ha, harakat, tatweel, hamza on alef; letter case.
    for typed in ("مسوده", "مُسَوَّدة", "مسـودة", "مسودة للقائمه"):
        html = editor.get(f"/desk/?q={typed}").get_data(as_text=True)
        assert "مسودة للقائمة" in html and "منشور للقائمة" not in html, typed
    created_id(create(editor, title="إعلان Budget 100% مغربي"))
    for typed in ("اعلان", "budget", "BUDGET 100%"):
        assert "Budget 100%" in editor.get(f"/desk/?q={typed}").get_data(as_text=True), typed
    assert "Budget 100%" not in editor.get("/desk/?q=0_").get_data(as_text=True)  # wildcards are literal
    with app.app_context():
        category_id = db.session.scalar(select(Category.id))
    assert "منشور للقائمة" in editor.get(f"/desk/?category={category_id}").get_data(as_text=True)
    assert editor.get("/desk/?status=bogus&category=x&page=zz").status_code == 200
    assert f'id="article-{draft}"' in editor.get("/desk/").get_data(as_text=True)


def test_tags_and_categories_are_reused_not_duplicated(app, editor):
    created_id(create(editor))
    created_id(create(editor, tags="قراءة، جديد"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Category)) == 1
        assert sorted(t.name for t in db.session.scalars(select(Tag))) == sorted(["مكتبات", "قراءة", "مراكش", "جديد"])


def test_spellings_of_one_tag_or_category_are_one(app, editor, client):
    """Letter case, a tatweel or harakat do not make another tag or category, in one article's list or across
    articles: the first spelling stays, with its one page."""
    first = created_id(create(editor, category="اقتصاد", tags="Maroc1, maroc1, MAROC1, مغرب، مـغرب، مَغرب"))
    second = created_id(create(editor, title="خبر آخر", category="اقتـصاد", tags="MAROC1، مغـرب"))
    third = created_id(create(editor, title="خبر ثالث", category="IQTISAD", tags="Iqtisad"))
    fourth = created_id(create(editor, title="خبر رابع", category="iqtisad", tags=""))
    with app.app_context():
        assert sorted(t.name for t in db.session.scalars(select(Tag))) == ["Iqtisad", "Maroc1", "مغرب"]
        assert sorted(c.name for c in db.session.scalars(select(Category))) == ["IQTISAD", "اقتصاد"]
        a, b, c, d = (db.session.get(Article, i) for i in (first, second, third, fourth))
        assert [t.name for t in a.tags] == [t.name for t in b.tags] == ["Maroc1", "مغرب"]
        assert a.category_id == b.category_id and c.category_id == d.category_id != a.category_id
        slug = a.tags[0].slug
    listing = client.get(f"/tag/{slug}").get_data(as_text=True)
    assert "خبر آخر" in listing and ARTICLE["title"] in listing


def test_a_title_of_spaces_is_no_title(app, editor):
    """Spaces, a tab or a non-breaking space typed as the title: refused as an empty one, the text kept."""
    before = _counts(app)
    for title in ("   ", "\t \u00a0"):
        refused = create(editor, title=title)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422 and "العنوان مطلوب." in html and "فقرة **مهمة**" in html
    assert _counts(app) == before


def test_the_edit_page_links_to_the_readers_page_only_once_readers_see_it(app, editor, client):
    """A scheduled article's page is not public until its time: its edit page has no link that leads to a 404."""
    later = created_id(create(editor, status="scheduled", publish_at=local_time(timedelta(days=1), app)))
    now = created_id(create(editor, title="مقال منشور الآن", slug="published-now"))
    with app.app_context():
        later_slug = db.session.get(Article, later).slug
    assert client.get(f"/articles/{later_slug}").status_code == 404
    assert f'href="/articles/{later_slug}"' not in editor.get(f"/desk/articles/{later}/edit").get_data(as_text=True)
    assert client.get("/articles/published-now").status_code == 200
    assert 'href="/articles/published-now"' in editor.get(f"/desk/articles/{now}/edit").get_data(as_text=True)


def test_a_new_article_sent_twice_is_stored_once(app, editor, monkeypatch):
    """A double click or a retry on a slow connection sends the new article's form again (its form token the
    same): the second answer leads to the article the first stored ("saved"), not to a copy at "-2" nor to
    "nothing was saved". So does the same form refilled by the browser's Back button (a new form token, every
    field the same); the same title with other words, or a category of its own, is an article of its own."""
    page = editor.get("/desk/articles/new").get_data(as_text=True)
    data = {**ARTICLE, "csrf_token": csrf_token(page), "form_token": hidden(page, "form_token")}

    def send():
        return editor.post("/desk/articles/new", data=data, content_type="multipart/form-data")

    first = created_id(send())
    again = send()
    assert created_id(again) == first
    assert "تم حفظ المقال." in editor.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 1
    # Both at once: the request that loses the race on the form's key (unique) finds the other's article.
    from blog.services import articles as article_service

    monkeypatch.setattr(article_service, "_just_stored", lambda *args: None)  # both past every look-up
    monkeypatch.setattr(article_service, "_by_form_key", lambda key, real=article_service._by_form_key: (
        None if not looked.append(key) and len(looked) == 1 else real(key)))
    looked = []
    assert created_id(send()) == first and len(looked) == 2
    monkeypatch.undo()
    # The page again from the Back button, its fields as they were and a new token: the same article.
    assert created_id(create(editor)) == first
    # Another form with other words, or the same words in another category: another article, at its own address.
    other = created_id(create(editor, body=BODY + "\n\nفقرة أخرى."))
    elsewhere = created_id(create(editor, category="رياضة"))
    with app.app_context():
        assert len({first, other, elsewhere}) == 3 and db.session.scalar(select(func.count()).select_from(Article)) == 3


def test_a_file_too_large_for_the_desk_says_so_and_leads_back_to_the_article(app, editor):
    """A cover over the desk's request limit: the body is refused unread (413), so the page cannot show the form
    again; it says what was too large (the image, with its limit), that nothing was saved and that the browser
    kept the text, with a way back to the article, not "shorten the text" with the readers' 256 KB."""
    article_id = created_id(create(editor))
    app.config["DESK_MAX_CONTENT_LENGTH"] = 512 * 1024
    form = {**ARTICLE, **edit_form(editor, article_id), "cover": (io.BytesIO(b"\0" * (600 * 1024)), "big.png")}
    refused = editor.post(f"/desk/articles/{article_id}/edit", data=form, content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 413 and "الصورة 5 ميغابايت على الأكثر" in html and "256" not in html
    assert f'href="/desk/articles/{article_id}/edit"' in html and "محفوظ في هذا المتصفح" in html
    english = editor.post("/desk/articles/new?lang=en", content_type="multipart/form-data",
                          data={**ARTICLE, "cover": (io.BytesIO(b"\0" * (600 * 1024)), "big.png")})
    assert english.status_code == 413 and "an image may be at most 5 MB" in english.get_data(as_text=True)
    # The readers' limit is told as before.
    assert "256" in app.test_client().post("/articles/x/comments", data={"body": "x" * 300_000}).get_data(as_text=True)


@pytest.mark.parametrize("lang, message", [
    ("", "النص طويل جدا: 1000 حرف على الأكثر."),
    ("?lang=fr", "Texte trop long\u00a0: 1000 caractères au plus."),
    ("?lang=en", "Too long: at most 1000 characters."),
])
def test_a_field_too_long_is_told_in_the_pages_language(app, editor, lang, message):
    """A lead longer than its limit (a browser that ignores maxlength): the message in the page's language; the
    Arabic one came in English (WTForms' own catalogue)."""
    page = editor.get("/desk/articles/new").get_data(as_text=True)
    refused = editor.post("/desk/articles/new" + lang, content_type="multipart/form-data",
                          data={**ARTICLE, "lead": "ن" * 1200, "csrf_token": csrf_token(page)})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and message in html and "Field cannot be longer" not in html
