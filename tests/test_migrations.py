"""Data migrations, run down and up again on a database of their own."""
from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from blog import create_app
from blog.extensions import db
from blog.models import ArticleRevision, ArticleStatus, ArticleTerm, Role, User, utcnow
from blog.services import articles as article_service
from blog.textsearch import article_terms
from tests.conftest import make_user


def _migrated_with_an_editor(tmp_path):
    """An app on a database of its own, brought to the head of the migrations, with one editor."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "MODEL_PATH": str(tmp_path / "model"),
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "old.sqlite3")})
    with app.app_context():
        upgrade()
    make_user(app, Role.EDITOR, "desk@example.org")
    return app


def test_the_search_index_is_rebuilt_for_the_articles_written_before(tmp_path):
    """d8e2f4a6b1c9 writes every article's terms again: an index from before it finds the new ones after it."""
    app = _migrated_with_an_editor(tmp_path)
    with app.test_request_context("/"):
        editor = db.session.scalar(select(User).where(User.email == "desk@example.org"))
        article = article_service.create_article(article_service.ArticleDraft(
            title="مهرجان الموسيقى", lead="مقدمة", body="دورة جديدة بأكادير، قال المسئول.", source="مجلس",
            status=ArticleStatus.PUBLISHED, publish_at=utcnow(), slug="festival-fes"), editor)
        # The index as the earlier code wrote it: no address words, no word read off its particle, one hamza seat.
        db.session.execute(ArticleTerm.__table__.delete())
        db.session.execute(ArticleTerm.__table__.insert(), [
            {"article_id": article.id, "term": t} for t in ("مهرجان", "موسيقي", "الموسيقي", "مقدمه", "دوره", "جديده",
                                                           "باكادير", "قال", "المسيول", "مسيول")])
        db.session.commit()
        article_id = article.id
    with app.app_context():
        downgrade(revision="c7d5e9a1b3f2")
        upgrade()
        stored = set(db.session.scalars(select(ArticleTerm.term).where(ArticleTerm.article_id == article_id)))
        db.engine.dispose()
    assert stored == article_terms("مهرجان الموسيقى", "مقدمة", "دورة جديدة بأكادير، قال المسئول.", "festival-fes")
    assert {"fes", "festival", "~اكادير", "مسوول"} <= stored
    client = app.test_client()
    for query in ("fes", "أكادير", "المسؤول"):
        assert "مهرجان الموسيقى" in client.get("/search", query_string={"q": query}).get_data(as_text=True), query


def test_revisions_saved_before_their_category_was_kept_hold_none_after_it(tmp_path):
    """a9c1e3f5b7d2 adds the category and tags to the revisions: the ones already saved get NULL (not known), and
    the migration goes down and up again."""
    app = _migrated_with_an_editor(tmp_path)
    with app.test_request_context("/"):
        editor = db.session.scalar(select(User).where(User.email == "desk@example.org"))
        article_service.create_article(article_service.ArticleDraft(
            title="مهرجان الموسيقى", lead="مقدمة", body="دورة جديدة.", source="مجلس", category="ثقافة",
            tags=("موسيقى",), status=ArticleStatus.PUBLISHED, publish_at=utcnow(), slug="festival"), editor)
        assert [(r.category, r.tags) for r in db.session.scalars(select(ArticleRevision))] == [("ثقافة", "موسيقى")]
    with app.app_context():
        downgrade(revision="b8d0f2a4c6e1")
        upgrade()
        kept = [(r.number, r.title, r.category, r.tags) for r in db.session.scalars(select(ArticleRevision))]
        db.engine.dispose()
    assert kept == [(1, "مهرجان الموسيقى", None, None)]
