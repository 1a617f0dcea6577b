"""The app's request class: query arguments, form fields and cookies read as Werkzeug reads them."""
from __future__ import annotations

import pytest
from werkzeug.exceptions import BadRequestKeyError

from blog import QueryValues, create_app


def test_query_values_answer_like_werkzeug_s_without_an_exception_per_absent_name(tmp_path, monkeypatch):
    monkeypatch.setenv("MAJLIS_INSTANCE_PATH", str(tmp_path))
    app = create_app({"TESTING": True, "SECRET_KEY": "k"})
    built = []
    monkeypatch.setattr(BadRequestKeyError, "__init__",
                        lambda self, *a, **k: built.append(a) or Exception.__init__(self, *a))
    with app.test_request_context("/?page=3&page=4&order=&n=x", headers={"Cookie": "lang=fr"}):
        from flask import request

        built.clear()  # what building the test request asked of its headers
        assert isinstance(request.args, QueryValues) and isinstance(request.cookies, QueryValues)
        assert request.args.get("page") == "3" and request.args.getlist("page") == ["3", "4"]
        assert request.args.get("page", type=int) == 3
        assert request.args.get("n", 7, type=int) == 7  # not a number: the default, as Werkzeug answers
        assert request.args.get("order", "oldest") == ""
        assert request.args.get("lang") is None and request.args.get("lang", "ar") == "ar"
        assert request.cookies.get("lang") == "fr" and request.cookies.get("session") is None
        assert built == []
        with pytest.raises(BadRequestKeyError):
            request.args["lang"]  # indexing an absent name is still a 400
