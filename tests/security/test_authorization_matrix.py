"""Who may do what: every route of the app, every role, the expected answer.

THE MATRIX BELOW IS THE SOURCE OF TRUTH. A route added to the app without a row here fails
`test_every_route_has_a_row`; add one row per (method, route) with the answer each role must get:
  200, 302, 303, 401, 403, 404, 422 ...  the status code
  login                                  a 302 redirect to /auth/login (a GET by someone not logged in; a POST gets
                                         the login form itself, a 401)
POST rows are sent WITH a valid CSRF token and the form data in FORMS (CSRF itself: test_csrf.py).
Route arguments come from SAMPLES (names as in the route: <slug>, <int:comment_id> ...).
"""
from __future__ import annotations

import pytest

from tests.security.conftest import ROLES, db_snapshot, fill

#  method  route                                               anonymous  editor  moderator  admin
MATRIX_TABLE = """
   GET    /                                                     200       200      200      200
   GET    /static/<path:filename>                               200       200      200      200
   GET    /articles/<slug>                                      200       200      200      200
   POST   /articles/<slug>/comments                             303       303      303      303
   POST   /language                                             302       302      302      302
   GET    /articles/<slug>/comments                             302       302      302      302
   GET    /articles/<slug>/comments/<int:comment_id>/reply      200       200      200      200
   GET    /comments/<int:comment_id>                            302       302      302      302
   POST   /comments/<int:comment_id>/reaction                   303       303      303      303
   GET    /comments/<int:comment_id>/report                     200       200      200      200
   POST   /comments/<int:comment_id>/report                     303       303      303      303
   GET    /comments/<int:comment_id>/edit                       403       403      403      403
   POST   /comments/<int:comment_id>/edit                       403       403      403      403
   POST   /comments/<int:comment_id>/withdraw                   403       403      403      403
   GET    /notifications/unsubscribe/<token>                    400       400      400      400
   POST   /notifications/unsubscribe/<token>                    400       400      400      400
   GET    /auth/login                                           200       302      302      302
   POST   /auth/login                                           401       302      302      302
   POST   /auth/logout                                          401       302      302      302
   POST   /auth/logout-everywhere                               401       302      302      302
   GET    /auth/password                                        login      200      200      200
   POST   /auth/password                                        401       422      422      422
   GET    /moderation/                                          login     403      200      200
   POST   /moderation/comments/<int:comment_id>/approve         401       403      303      303
   POST   /moderation/comments/<int:comment_id>/reject          401       403      303      303
   POST   /moderation/comments/<int:comment_id>/spam            401       403      303      303
   GET    /moderation/queue/<queue>                             login     403      200      200
   GET    /moderation/articles/<int:article_id>                 login     403      200      200
   GET    /moderation/comments/<int:comment_id>                 login     403      200      200
   POST   /moderation/comments/<int:comment_id>/undo            401       403      303      303
   POST   /moderation/comments/<int:comment_id>/edit            401       403      303      303
   POST   /moderation/bulk/approve                              401       403      303      303
   POST   /moderation/bulk/reject                               401       403      303      303
   POST   /moderation/bulk/spam                                 401       403      303      303
   GET    /moderation/bans                                      login     403      200      200
   POST   /moderation/bans                                      401       403      303      303
   POST   /moderation/bans/<int:ban_id>/lift                    401       403      303      303
   GET    /moderation/audit                                     login     403      200      200
   GET    /moderation/dashboard                                 login     403      200      200
   GET    /admin/terms                                          login     403      403      200
   POST   /admin/terms                                          401       403      403      303
   POST   /admin/moderation-mode                                401       403      403      303
   POST   /admin/terms/<int:term_id>/enable                     401       403      403      303
   POST   /admin/terms/<int:term_id>/disable                    401       403      403      303
   POST   /admin/terms/<int:term_id>/severity                   401       403      403      303
   GET    /reader/tokens                                        200       200      200      200
   GET    /category/<slug>                                      200       200      200      200
   GET    /category/<slug>/feed.atom                            200       200      200      200
   GET    /tag/<slug>                                           200       200      200      200
   GET    /search                                               200       200      200      200
   GET    /uploads/<name>                                       404       404      404      404
   GET    /feed.atom                                            200       200      200      200
   GET    /sitemap.xml                                          200       200      200      200
   GET    /robots.txt                                           200       200      200      200
   GET    /admin/users                                          login     403      403      200
   POST   /admin/users                                          401       403      403      303
   POST   /admin/users/<int:user_id>/role                       401       403      403      303
   POST   /admin/users/<int:user_id>/extra-roles                401       403      403      303
   POST   /admin/users/<int:user_id>/password                   401       403      403      303
   POST   /admin/users/<int:user_id>/disable                    401       403      403      303
   POST   /admin/users/<int:user_id>/enable                     401       403      403      303
   GET    /desk/                                                login     200      403      200
   GET    /desk/articles/new                                    login     200      403      200
   POST   /desk/articles/new                                    401       303      403      303
   GET    /desk/articles/<int:article_id>/edit                  login     200      403      200
   POST   /desk/articles/<int:article_id>/edit                  401       303      403      303
   GET    /desk/articles/<int:article_id>/preview               login     200      403      200
   POST   /desk/articles/<int:article_id>/preview               401       200      403      200
   POST   /desk/articles/new/preview                            401       200      403      200
   GET    /desk/articles/<int:article_id>/revisions             login     200      403      200
   POST   /desk/articles/<int:article_id>/revisions/<int:revision_id>/restore  401  303  403  303
   POST   /desk/images                                          401       303      403      303
   GET    /desk/categories                                      login     200      403      200
   POST   /desk/categories/<int:category_id>                    401       303      403      303
   POST   /desk/categories/<int:category_id>/delete             401       303      403      303
"""

# Form data sent with a route (besides the CSRF token); a route not listed gets the token alone.
FORMS: dict[str, dict[str, str]] = {
    "/articles/<slug>/comments": {
        "author_name": "قارئ", "author_email": "matrix.reader@example.org", "body": "تعليق لاختبار الصلاحيات.",
    },
    "/language": {"lang": "fr"},
    "/desk/articles/new/preview": {"title": "معاينة", "body": "نص", "status": "draft"},
    "/desk/categories/<int:category_id>": {"name": "قسم باسم جديد"},
    "/desk/articles/<int:article_id>/preview": {"title": "معاينة", "body": "نص", "status": "draft"},
    "/comments/<int:comment_id>/reaction": {"value": "like"},
    "/comments/<int:comment_id>/report": {"rule": "insult"},
    "/comments/<int:comment_id>/edit": {"body": "نص معدل ممن لا يملك التعليق"},
    "/auth/login": {"email": "nobody@example.org", "password": "not the password"},
    "/moderation/comments/<int:comment_id>/reject": {"rule": "insult"},
    "/admin/terms": {"text": "كلمةللاختبار", "rule": "insult", "severity": "hold", "lang": "ar"},
    "/admin/terms/<int:term_id>/severity": {"severity": "reject"},
    "/admin/moderation-mode": {"mode": "post"},
    "/moderation/comments/<int:comment_id>/edit": {"body": "نص صححه المشرف", "note": "تصحيح إملائي"},
    "/moderation/bans": {"email": "spammer@example.org", "duration": "7", "reason": "إشهار متكرر"},
    "/admin/users": {"email": "new.staff@example.org", "display_name": "زميل", "role": "editor",
                     "password": "a long enough password"},
    "/admin/users/<int:user_id>/role": {"role": "moderator"},
    "/admin/users/<int:user_id>/password": {"password": "another long enough password"},
    "/auth/password": {"current": "not the password", "new": "a long enough password",
                       "confirm": "a long enough password"},
    "/admin/users/<int:user_id>/extra-roles": {"also_moderator": "y"},
    "/desk/articles/new": {"title": "مقال من اختبار الصلاحيات", "body": "نص قصير.", "status": "draft"},
    "/desk/articles/<int:article_id>/edit": {"title": "عنوان معدل في اختبار الصلاحيات", "body": "نص معدل.",
                                             "status": "published", "comments_open": "y", "version": "1"},
}


def parse_matrix(table: str) -> dict[tuple[str, str], dict[str, str]]:
    """The table above as {(method, route): {role: expected}}."""
    matrix = {}
    for line in table.strip().splitlines():
        method, route, *answers = line.split()
        assert len(answers) == len(ROLES), f"row {method} {route} needs one answer per role {ROLES}"
        assert (method, route) not in matrix, f"row {method} {route} appears twice"
        matrix[(method, route)] = dict(zip(ROLES, answers))
    return matrix


MATRIX = parse_matrix(MATRIX_TABLE)


def app_routes(app) -> set[tuple[str, str]]:
    """Every (method, route) the app answers, HEAD and OPTIONS aside."""
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def form_for(route: str, token: str | None) -> dict[str, str]:
    data = dict(FORMS.get(route, {}))
    if token is not None:
        data["csrf_token"] = token
    return data


def test_every_route_has_a_row(app):
    routes = app_routes(app)
    missing = sorted(routes - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes)
    assert not missing, f"routes without a row in MATRIX_TABLE (tests/security/test_authorization_matrix.py): {missing}"
    assert not stale, f"rows of MATRIX_TABLE for routes that no longer exist: {stale}"


def check(response, expected: str, where: str) -> None:
    if expected == "login":
        assert response.status_code == 302, where
        assert response.headers["Location"].startswith("/auth/login"), where
    else:
        assert response.status_code == int(expected), f"{where}: got {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_matrix_says(app, world, role_clients, role):
    client = role_clients[role]
    for (method, route), answers in sorted(MATRIX.items()):
        url = fill(route, world)
        data = form_for(route, client.csrf_token()) if method != "GET" else None
        response = client.open(method, url, data=data)
        check(response, answers[role], f"{role} {method} {url}")


def test_reading_never_changes_anything(app, world, role_clients):
    """Every GET of the matrix, for every role, leaves every table as it was."""
    clients = role_clients.all()
    for client in clients:
        client.reset()
    before = db_snapshot(app)
    for (method, route), _answers in sorted(MATRIX.items()):
        if method == "GET":
            for client in clients:
                client.open(method, fill(route, world))
    assert db_snapshot(app) == before


def test_refused_actions_change_nothing(app, world, role_clients):
    """Every state change a role is refused (401/403) leaves every table as it was."""
    for client in role_clients.all():
        client.reset()
    before = db_snapshot(app)
    refused = 0
    for (method, route), answers in sorted(MATRIX.items()):
        for role, expected in answers.items():
            if method != "GET" and expected in ("401", "403", "login"):
                client = role_clients[role]
                response = client.open(method, fill(route, world), data=form_for(route, client.csrf_token()))
                check(response, expected, f"{role} {method} {route}")
                refused += 1
    assert refused >= 20
    assert db_snapshot(app) == before
