"""The desk's categories: rename (the address stays), merge into another, delete; readers' pages follow at once."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from blog.extensions import db
from blog.models import Article, Category, Role
from tests.conftest import csrf_token
from tests.views.test_desk import create, created_id


@pytest.fixture
def editor(staff_client):
    return staff_client(Role.EDITOR)


def _category(app, name):
    with app.app_context():
        return db.session.scalar(select(Category).where(Category.name == name))


def _post(editor, url, **data):
    token = csrf_token(editor.get("/desk/categories").get_data(as_text=True))
    return editor.post(url, data={**data, "csrf_token": token})


def test_the_desk_lists_categories_with_their_articles_counted(app, editor):
    created_id(create(editor, category="ثقافة", title="مقال منشور"))
    created_id(create(editor, category="ثقافة", title="مسودة", status="draft"))
    created_id(create(editor, category="رياضة", title="مقال آخر"))
    assert 'href="/desk/categories"' in editor.get("/desk/").get_data(as_text=True)
    html = editor.get("/desk/categories").get_data(as_text=True)
    culture = html.split('id="category-')[1:]
    assert [part.split("<h2", 1)[1].split(">", 1)[1].split("<", 1)[0] for part in culture] == ["ثقافة", "رياضة"]
    assert "مقالان" in culture[0] and "واحد منشور" in culture[0] and "مقال واحد" in culture[1]
    assert editor.get("/desk/categories?lang=en").get_data(as_text=True).count("2 articles") == 1


def test_renaming_keeps_the_address_and_every_page_shows_the_new_name(app, editor, client):
    article_id = created_id(create(editor, category="ثقافه"))
    category = _category(app, "ثقافه")
    with app.app_context():
        slug = db.session.get(Article, article_id).slug
    assert "ثقافه" in client.get(f"/articles/{slug}").get_data(as_text=True)  # cached now
    response = _post(editor, f"/desk/categories/{category.id}", name="  ثقافة  ")
    assert response.status_code == 303
    flashed = editor.get("/desk/categories").get_data(as_text=True)
    assert "تم تغيير اسم القسم إلى «ثقافة»." in flashed
    assert _category(app, "ثقافة").slug == category.slug  # links to it keep working
    for page in (f"/articles/{slug}", f"/category/{category.slug}", "/"):
        html = client.get(page).get_data(as_text=True)
        assert "ثقافة" in html and "ثقافه" not in html, page


def test_a_name_taken_or_empty_is_refused_with_what_was_typed(app, editor):
    created_id(create(editor, category="اقتصاد"))
    created_id(create(editor, category="الاقتصاد"))
    other = _category(app, "الاقتصاد")
    taken = _post(editor, f"/desk/categories/{other.id}", name="اقتصاد")
    html = taken.get_data(as_text=True)
    assert taken.status_code == 409 and "يوجد قسم بهذا الاسم" in html
    assert f'id="name-{other.id}"' in html and 'value="اقتصاد"' in html.split(f'id="name-{other.id}"')[1][:400]
    # Another spelling of the other's name (harakat, letter case, tatweel) is that name.
    for spelling in ("اقْتِصَاد", "اقتـصاد"):
        assert _post(editor, f"/desk/categories/{other.id}", name=spelling).status_code == 409, spelling
    created_id(create(editor, category="Sport"))
    assert _post(editor, f"/desk/categories/{other.id}", name="SPORT").status_code == 409
    # Its own name in another spelling is a rename.
    assert _post(editor, f"/desk/categories/{other.id}", name="الاقتصـاد").status_code == 303
    empty = _post(editor, f"/desk/categories/{other.id}", name="   ")
    assert empty.status_code == 422 and "اكتب اسم القسم." in empty.get_data(as_text=True)
    assert _category(app, "الاقتصـاد") is not None
    assert _post(editor, "/desk/categories/999999", name="لا شيء").status_code == 404


def test_deleting_merges_into_another_or_leaves_the_articles_without_one(app, editor, client):
    first = created_id(create(editor, category="الاقتصاد", title="خبر أول"))
    second = created_id(create(editor, category="الاقتصاد", title="خبر ثان"))
    third = created_id(create(editor, category="رياضة", title="خبر ثالث"))
    economy, target, sport = _category(app, "الاقتصاد"), None, _category(app, "رياضة")
    created_id(create(editor, category="اقتصاد", title="خبر رابع"))
    target = _category(app, "اقتصاد")
    assert client.get(f"/category/{economy.slug}").status_code == 200
    response = _post(editor, f"/desk/categories/{economy.id}/delete", move_to=str(target.id), confirm="y")
    assert response.status_code == 303
    assert "تم حذف القسم. نُقل مقالان." in editor.get("/desk/categories").get_data(as_text=True)
    with app.app_context():
        assert {db.session.get(Article, a).category_id for a in (first, second)} == {target.id}
        assert db.session.get(Category, economy.id) is None
    assert client.get(f"/category/{economy.slug}").status_code == 404
    listing = client.get(f"/category/{target.slug}").get_data(as_text=True)
    assert "خبر أول" in listing and "خبر ثان" in listing and "خبر رابع" in listing
    # Without a category to move to: the articles stay, without one.
    assert _post(editor, f"/desk/categories/{sport.id}/delete", move_to="", confirm="y").status_code == 303
    with app.app_context():
        assert db.session.get(Article, third).category_id is None
        slug = db.session.get(Article, third).slug
    html = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert "خبر ثالث" in html and "رياضة" not in html


def test_a_category_is_deleted_only_once_its_box_is_ticked(app, editor):
    article = created_id(create(editor, category="منوعات", title="خبر منوع"))
    various = _category(app, "منوعات")
    html = editor.get("/desk/categories").get_data(as_text=True)
    assert 'name="confirm" value="y" required' in html
    response = _post(editor, f"/desk/categories/{various.id}/delete", move_to="")
    assert response.status_code == 303 and response.location.endswith(f"/desk/categories#category-{various.id}")
    assert "لم يُحذف القسم: حدد مربع التأكيد" in editor.get("/desk/categories").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Category, various.id) is not None
        assert db.session.get(Article, article).category_id == various.id
    english = _post(editor, f"/desk/categories/{various.id}/delete?lang=en", move_to="")
    assert english.status_code == 303
    assert "section was not deleted" in editor.get("/desk/categories?lang=en").get_data(as_text=True)
