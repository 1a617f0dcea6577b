"""Benchmark: the pending queue page and one approval, with 100 vs 100,000 comments (ratios printed).

    .venv/bin/python bench/bench_queue.py [--large 100000] [--small 100] [--database-url postgresql://...]

Targets (issue 4): the first page of the pending queue with 100,000 pending comments within 1.5x of the
same page with 100; an approval with 100,000 comments in the database within 1.5x of one with 100.
The database given is emptied and rebuilt through the migrations; SQLite in a temporary folder by default.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSWORD = "bench password 123"


def build(url: str, count: int):
    """A migrated database holding one article and `count` pending comments, and a logged-in moderator."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from blog import create_app
    from blog.cli import create_user
    from blog.config import normalize_database_url
    from blog.extensions import db
    from blog.models import Article, ArticleStatus, Comment, Role, utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                      "MODEL_PATH": str(Path(tempfile.gettempdir()) / "bench-no-model")})
    with app.app_context():
        if normalize_database_url(url).startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        article = Article(title="مقال", slug="bench", status=ArticleStatus.PUBLISHED, published_at=utcnow())
        db.session.add(article)
        db.session.commit()
        create_user("bench-mod@example.org", PASSWORD, Role.MODERATOR)
        rng = random.Random(4)
        start = utcnow() - timedelta(days=3)
        batch = []
        for i in range(count):
            score = round(rng.random(), 4)
            rules = "insult" if rng.random() < 0.2 else ""
            batch.append({
                "article_id": article.id, "author_name": f"قارئ {i % 5000}", "author_email": f"r{i % 5000}@example.org",
                "address": "192.0.2.0/24", "body": f"تعليق رقم {i} " + "نص " * rng.randint(3, 40),
                "status": "pending", "created_at": start + timedelta(seconds=i), "screen_action": "hold",
                "screen_rules": rules, "screen_score": score, "risk": score + (1.0 if rules else 0.0),
                "screen_details": {"action": "hold", "score": score, "hits": [
                    {"rule": "insult", "term": "نص", "severity": "hold", "start": 0, "end": 5, "signal": False}
                ] if rules else [], "reasons": []},
                "version": 1, "report_count": 0, "flagged": False,
            })
            if len(batch) == 5000:
                db.session.execute(insert(Comment), batch)
                batch = []
        if batch:
            db.session.execute(insert(Comment), batch)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
        db.session.commit()
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/auth/login", data={"email": "bench-mod@example.org", "password": PASSWORD,
                                            "csrf_token": token}).status_code == 302
    return app, client


def timed(fn, repeat: int) -> float:
    """Median seconds of `repeat` calls after two warm-up calls."""
    fn()
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def measure(url: str, count: int, repeat: int) -> dict[str, float]:
    from blog.extensions import db
    from blog.models import Comment, CommentStatus
    from blog.services.queue import forget_counts
    from sqlalchemy import select

    app, client = build(url, count)
    results = {}

    def queue_page(order="risk"):
        response = client.get(f"/moderation/?order={order}")
        assert response.status_code == 200 and "queue-item" in response.get_data(as_text=True)

    results["queue page (risk order)"] = timed(queue_page, repeat)
    results["queue page (oldest first)"] = timed(lambda: queue_page("oldest"), repeat)

    def cold_page():
        with app.app_context():
            forget_counts()
        queue_page()

    results["queue page, counts recomputed"] = timed(cold_page, repeat)

    def next_page():
        html = client.get("/moderation/").get_data(as_text=True)
        link = re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
        assert client.get(link).status_code == 200

    results["queue page 2 (keyset)"] = timed(next_page, repeat)

    with app.app_context():
        ids = list(db.session.scalars(select(Comment.id).where(Comment.status == CommentStatus.PENDING)
                                      .order_by(Comment.id).limit(repeat + 2)))
    html = client.get("/moderation/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    pending = iter(ids)

    def approve():
        cid = next(pending)
        response = client.post(f"/moderation/comments/{cid}/approve", data={"csrf_token": token},
                               headers={"X-Requested-With": "fetch"})
        assert response.status_code == 200, response.get_data(as_text=True)

    results["approval"] = timed(approve, repeat)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="majlis-bench-"))
    os.environ.setdefault("MAJLIS_INSTANCE_PATH", str(workdir / "instance"))

    def url_for(n: int) -> str:
        return args.database_url or f"sqlite:///{workdir}/bench-{n}.sqlite3"

    small = measure(url_for(args.small), args.small, args.repeat)
    large = measure(url_for(args.large), args.large, args.repeat)
    print(f"{'measure':34} {args.small:>9} {args.large:>9}   ratio (target <= 1.5)")
    for key in small:
        ratio = large[key] / small[key]
        print(f"{key:34} {small[key] * 1000:7.1f}ms {large[key] * 1000:7.1f}ms   {ratio:5.2f}x"
              f"{'' if ratio <= 1.5 else '  over target'}")


if __name__ == "__main__":
    main()
