"""Data migrations, run down and up again on a database of their own."""
from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from blog import create_app
from blog.extensions import db
from blog.models import ArticleStatus, ArticleTerm, Role, User, utcnow
from blog.services import articles as article_service
from blog.textsearch import article_terms
from tests.conftest import make_user


def test_the_search_index_is_rebuilt_for_the_articles_written_before(tmp_path):
    """d8e2f4a6b1c9 writes every article's terms again: an index from before it finds the new ones after it."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "MODEL_PATH": str(tmp_path / "model"),
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "old.sqlite3")})
    with app.app_context():
        upgrade()
    make_user(app, Role.EDITOR, "desk@example.org")
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
