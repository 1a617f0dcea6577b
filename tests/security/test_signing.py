"""Signed values made by blog/signing.py are those of the stock itsdangerous and Flask-WTF classes (short
payloads left uncompressed)."""
from __future__ import annotations

import hashlib
import time
import zlib

import pytest
from flask import g, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import validate_csrf
from itsdangerous import TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer

from blog import create_app
from blog import signing
from blog.signing import csrf_token, serializer, timed_serializer


def test_kept_key_signers_sign_and_read_like_the_stock_ones():
    value = {"ids": [1, 2, 3], "name": "قارئ"}
    for secret, salt in (("first secret", "salt-a"), ("first secret", "salt-b"), ("other secret", "salt-a")):
        ours, stock = serializer(secret, salt), URLSafeSerializer(secret, salt=salt)
        assert ours.dumps(value) == stock.dumps(value)
        assert stock.loads(ours.dumps(value)) == value
        timed, stock_timed = timed_serializer(secret, salt), URLSafeTimedSerializer(secret, salt=salt)
        assert stock_timed.loads(timed.dumps(value)) == value
        assert timed.loads(stock_timed.dumps(value)) == value
    # A key kept for one salt is never used for another: each salt reads only its own values.
    assert serializer("first secret", "salt-a").dumps(1) != serializer("first secret", "salt-b").dumps(1)


def test_timed_values_are_the_stock_bytes_at_the_same_second(tmp_path, monkeypatch):
    # The kept signer and its one-step sign(): byte for byte what the stock classes make in the same second.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1764423123)
    secret_hex = hashlib.sha1(b"a session").hexdigest()  # short values that zlib does not shorten either
    for value in (secret_hex, 1764423123.456, {"csrf_token": secret_hex}, {"ids": list(range(200))}):
        for secret, salt in (("s", "x"), ("s", "wtf-csrf-token"), (("old", "new"), "x")):
            stock = URLSafeTimedSerializer(list(secret) if isinstance(secret, tuple) else secret, salt=salt)
            assert timed_serializer(secret, salt).dumps(value) == stock.dumps(value)
    monkeypatch.setenv("MAJLIS_INSTANCE_PATH", str(tmp_path))
    app = create_app({"TESTING": True, "SECRET_KEY": "k"})
    data = {"csrf_token": "abc", "own_comments": [4, 5]}
    ours = app.session_interface.get_signing_serializer(app)
    assert ours.dumps(data) == SecureCookieSessionInterface().get_signing_serializer(app).dumps(data)
    assert ours.dumps(data) == ours.dumps(data)  # the signer kept from the first call signs the same


def test_session_json_writes_what_flask_s_tagged_json_writes(tmp_path, monkeypatch):
    from flask.json.tag import TaggedJSONSerializer

    from blog.signing import SessionJSON

    monkeypatch.setenv("MAJLIS_INSTANCE_PATH", str(tmp_path))
    app = create_app({"TESTING": True, "SECRET_KEY": "k"})
    ours, flask_s = SessionJSON(), TaggedJSONSerializer()
    values = [
        {"csrf_token": hashlib.sha1(b"x").hexdigest()},  # a first visit's session: the direct path
        {"lang": "ar", "csrf_token": "abc", "name": "قارئ \"مجهول\""},  # several keys (sorted), non-ASCII, quotes
        {" t": "looks tagged"},  # escaped by the tags: through them
        {"own_comments": [4, 5], "csrf_token": "abc"}, {"at": (1, 2)}, {},  # not only strings: through the tags
    ]
    with app.app_context():
        for value in values:
            assert ours.dumps(value) == flask_s.dumps(value), value
            assert flask_s.loads(ours.dumps(value)) == ours.loads(flask_s.dumps(value)) == value


def test_short_payloads_are_not_given_to_zlib_and_long_ones_are_compressed_as_the_stock_classes_do(monkeypatch):
    long_value = {"ids": list(range(200)), "name": "قارئ" * 20}
    stock_long = URLSafeSerializer("s", salt="x").dumps(long_value)
    assert stock_long.startswith(".")  # compressed
    assert serializer("s", "x").dumps(long_value) == stock_long
    stock_timed = URLSafeTimedSerializer("s", salt="x")
    old_token = stock_timed.dumps(long_value)
    tried = []
    real_compress = zlib.compress
    monkeypatch.setattr(signing.zlib, "compress", lambda data, *a: tried.append(len(data)) or real_compress(data, *a))
    for value in ("a3f9" * 10, 1764423123.456, {"csrf_token": "a3f9" * 10}, {"c": 12345}):
        for ours, stock in ((serializer("s", "x"), URLSafeSerializer("s", salt="x")), (timed_serializer("s", "x"), stock_timed)):
            signed = ours.dumps(value)
            assert not signed.startswith(".") and stock.loads(signed) == value
    assert tried == []
    assert timed_serializer("s", "x").loads(old_token) == long_value  # compressed values still read


def test_kept_signers_refuse_what_the_stock_ones_refuse(tmp_path, monkeypatch):
    from itsdangerous import BadSignature, SignatureExpired

    good = timed_serializer(("old", "new"), "x").dumps({"csrf_token": "abc"})
    assert timed_serializer(("old", "new"), "x").loads(good) == {"csrf_token": "abc"}
    assert timed_serializer("new", "x").loads(good) == {"csrf_token": "abc"}
    assert timed_serializer(("new", "old"), "x").loads(URLSafeTimedSerializer("old", salt="x").dumps(1)) == 1
    payload, stamp, signature = good.split(".")
    for forged in (f"{payload}.{stamp}.{signature[:-2]}AA", f"{payload}.{stamp}.", f"{payload}.{stamp}.!!",
                   f"{payload}x.{stamp}.{signature}", "no-dots", ""):
        with pytest.raises(BadSignature):
            timed_serializer(("old", "new"), "x").loads(forged)
        with pytest.raises(BadSignature):
            URLSafeTimedSerializer(["old", "new"], salt="x").loads(forged)
    for wrong in (timed_serializer("other", "x"), timed_serializer("new", "y")):
        with pytest.raises(BadSignature):
            wrong.loads(good)
    later = int(time.time()) + 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    with pytest.raises(SignatureExpired, match="> 60"):
        timed_serializer("new", "x").loads(good, max_age=60)
    assert serializer("s", "x").loads(serializer("s", "x").dumps([1])) == [1]
    with pytest.raises(BadSignature):
        serializer("s", "x").loads(serializer("t", "x").dumps([1]))


def test_session_cookie_is_readable_by_flask_and_old_keys_still_open_sessions(tmp_path, monkeypatch):
    monkeypatch.setenv("MAJLIS_INSTANCE_PATH", str(tmp_path))
    old = create_app({"TESTING": True, "SECRET_KEY": "old key"})
    new = create_app({"TESTING": True, "SECRET_KEY": "new key", "SECRET_KEY_FALLBACKS": ["old key"]})
    data = {"csrf_token": "abc", "own_comments": [4, 5]}
    cookie = old.session_interface.get_signing_serializer(old).dumps(data)
    assert SecureCookieSessionInterface().get_signing_serializer(old).loads(cookie) == data
    assert new.session_interface.get_signing_serializer(new).loads(cookie) == data  # rotated key still reads
    signed_new = new.session_interface.get_signing_serializer(new).dumps(data)
    assert SecureCookieSessionInterface().get_signing_serializer(new).loads(signed_new) == data


def test_csrf_token_is_flask_wtf_s_token(tmp_path, monkeypatch):
    monkeypatch.setenv("MAJLIS_INSTANCE_PATH", str(tmp_path))
    app = create_app({"TESTING": True, "SECRET_KEY": "k"})
    with app.test_request_context("/"):
        token = csrf_token()
        assert csrf_token() == token == g.csrf_token  # one token per request
        assert len(session["csrf_token"]) == len(hashlib.sha1().hexdigest())
        validate_csrf(token)  # raises when Flask-WTF does not accept it
    with app.test_request_context("/"):
        session["csrf_token"] = "kept-from-an-earlier-request"
        validate_csrf(csrf_token())
        assert session["csrf_token"] == "kept-from-an-earlier-request"
