"""Article page cost against the size of its conversation: prints ratios, asserts nothing.

    .venv/bin/python bench/bench_threads.py

A page of threads should cost about the same with 100 or 20,000 published comments (counts are stored,
pages are read by index), and the last page reached by its "more comments" link (keyset) about the same as
the first. The page cache is off: every request renders from its rows (SQLite, in process).
"""
from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.bench_render import interleaved_best  # noqa: E402
from blog import create_app  # noqa: E402
from blog.extensions import db  # noqa: E402
from blog.models import Article, ArticleStatus, Comment, CommentStatus, utcnow  # noqa: E402
from blog.services.comments import refresh_counters  # noqa: E402


def build(app, slug: str, threads: int) -> None:
    with app.app_context():
        article = Article(title=slug, slug=slug, status=ArticleStatus.PUBLISHED, published_at=utcnow())
        db.session.add(article)
        db.session.flush()
        start = utcnow() - timedelta(days=1)
        rows = []
        for i in range(threads):
            rows.append({"article_id": article.id, "author_name": f"r{i}", "author_email": f"r{i}@example.org",
                         "body": f"comment {i}", "status": CommentStatus.PUBLISHED,
                         "created_at": start + timedelta(seconds=i), "like_count": i % 17})
        db.session.execute(Comment.__table__.insert(), [
            {**r, "address": "",
             "screen_action": "", "screen_rules": "", "screen_score": 0.0, "screen_details": {}, "version": 1,
             "notify": False, "dislike_count": 0, "reply_count": 0} for r in rows
        ])
        db.session.commit()
        refresh_counters(article.id)


def timed(client, urls: dict[str, str], rounds: int = 5, repeat: int = 20) -> dict[str, float]:
    """Seconds per request of each URL, through the test client: the best of `rounds` interleaved rounds."""
    for url in urls.values():
        assert client.get(url).status_code == 200
    return interleaved_best({name: (lambda url=url: client.get(url), repeat) for name, url in urls.items()}, rounds)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench",
                          "RATELIMIT_ENABLED": False, "MODEL_PATH": f"{folder}/model", "COMMENTS_PER_PAGE": 50,
                          "CACHE_TYPE": "NullCache"})  # every request renders from its rows
        with app.app_context():
            upgrade(directory=str(Path(__file__).resolve().parents[1] / "migrations"))
        build(app, "small", 100)
        build(app, "large", 20_000)
        with app.app_context():  # the 'more comments' link into the last page: the thread before it as cursor
            cursor = db.session.scalars(
                select(Comment.id).join(Article).where(Article.slug == "large", Comment.root_id.is_(None))
                .order_by(Comment.created_at, Comment.id).offset(20_000 - 51).limit(1)).one()
        t = timed(app.test_client(), {
            "small": "/articles/small", "large": "/articles/large", "last": "/articles/large?page=400",
            "keyset": f"/articles/large?after={cursor}", "liked": "/articles/large?order=liked",
        })
        small, large = t["small"], t["large"]
        print(f"first page, 100 vs 20,000 comments: {small * 1000:.1f} ms vs {large * 1000:.1f} ms, ratio {large / small:.2f}")
        print(f"last vs first page of 20,000: by keyset (?after=) ratio {t['keyset'] / large:.2f}, numbered (?page=400) "
              f"ratio {t['last'] / large:.2f}")
        print(f"most liked vs oldest first of 20,000: ratio {t['liked'] / large:.2f}")


if __name__ == "__main__":
    main()
