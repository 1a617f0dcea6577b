"""One blueprint per audience."""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import flask_babel
from babel.dates import format_skeleton
from flask import current_app, request
from werkzeug.routing import IntegerConverter

# The largest row id or version a column holds (PostgreSQL's INTEGER): a larger number from a URL or a form is
# no row at all, where the database would refuse it with an error.
MAX_ID = 2**31 - 1


def as_id(value: str | None) -> int | None:
    """A row id (or version) written in a query argument or a form field, or None for anything else."""
    value = value or ""
    if value.isascii() and value.isdigit() and len(value) <= 10:
        number = int(value)
        return number if number <= MAX_ID else None
    return None


MAX_PAGE = 100_000  # a page number from a URL past this is taken as this one


def page_arg() -> int:
    """The `page` query argument, clamped to a sane positive number."""
    try:
        return max(1, min(int(request.args.get("page", 1)), MAX_PAGE))
    except ValueError:
        return 1


class IdConverter(IntegerConverter):
    """`<int:...>` in every route is a row's id: a number past MAX_ID matches no route (a 404), instead of
    reaching the database."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def wants_json() -> bool:
    """The request asks for JSON before HTML (a page's script), so its answer, an error's too, is JSON."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def sent_by_fetch() -> bool:
    """The workbench's script sent the request (static/js/workbench.js): it takes a JSON answer."""
    return request.headers.get("X-Requested-With") == "fetch"


def same_site(url: str | None) -> bool:
    """True for an address of this site (a Referer to go back to)."""
    return bool(url) and url.startswith(request.host_url)


def with_lang(url: str, lang: str | None) -> str:
    """`url` with its `?lang=` set to `lang`, or without one (None); its other arguments and anchor kept."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "lang"]
    return urlunsplit(parts._replace(query=urlencode(query + ([("lang", lang)] if lang else []))))


def with_page_language(url: str) -> str:
    """`url` with the `?lang=` of this request, if it has one: a reader who opened a page in a language by its link
    stays in it after sending a form (the language otherwise comes from the cookie, or is Arabic)."""
    lang = request.args.get("lang")
    return with_lang(url, lang) if lang in current_app.config["LANGUAGES"] else url


def site_time_to_utc(local: datetime | None) -> datetime | None:
    """A date and time typed as the site's (BABEL_DEFAULT_TIMEZONE), in UTC: converted by the same time-zone data as
    every moment the pages show (Flask-Babel's), so that a time typed is the time the pages show."""
    return flask_babel.to_utc(local).replace(tzinfo=timezone.utc) if local else None


def date_and_time(value) -> str:
    """A moment as the staff's pages show it, in the site's time zone: the date as the public pages write it ("3
    ماي 2026") and the time to the minute, joined as the language joins them ("3 ماي 2026، 20:22")."""
    if not value:
        return ""
    glue = flask_babel.get_locale().datetime_formats["medium"]
    return str(glue).replace("'", "").format(flask_babel.format_time(value, "short"),
                                             flask_babel.format_date(value, "long"))


def day_and_month(day) -> str:
    """A day of a month as the language writes it ("3 دجنبر", "3 décembre", "December 3"): a chart's axis."""
    return format_skeleton("MMMMd", day, locale=flask_babel.get_locale())


def list_separator() -> str:
    """A comma between the items of a list, in the page's language (Arabic's own, or the Latin one); templates call
    it too."""
    return "، " if flask_babel.get_locale().language == "ar" else ", "
