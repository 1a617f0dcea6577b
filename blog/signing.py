"""Signed values (session cookie, CSRF token, form stamp, reader cookies) with serializers made once per key.

itsdangerous builds a signer and derives its key (one HMAC over the secret) on every dumps() and loads();
a served article page signs three values, so those derivations were a tenth of a cached page's time. The
signers here keep each derived key; the values they sign are byte for byte those of the stock classes.
"""
from __future__ import annotations

import functools
import hashlib
import os
import threading

from flask import current_app, g, session
from itsdangerous import Signer, TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import want_bytes

_derived: dict[tuple, bytes] = {}
_lock = threading.Lock()
_MAX_KEYS = 256  # secrets x salts in use: a handful; the bound only guards against misuse


class _KeptKeys:
    """derive_key() computed once per (secret, salt, derivation, digest) for the whole process."""

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        secret = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        ident = (secret, self.salt, self.key_derivation, self.digest_method)
        key = _derived.get(ident)
        if key is None:
            key = super().derive_key(secret_key)
            with _lock:
                if len(_derived) < _MAX_KEYS:
                    _derived[ident] = key
        return key


class KeptKeySigner(_KeptKeys, Signer):
    """itsdangerous.Signer with its derived key kept."""


class KeptKeyTimestampSigner(_KeptKeys, TimestampSigner):
    """itsdangerous.TimestampSigner with its derived key kept."""


@functools.lru_cache(maxsize=32)
def timed_serializer(secret: str | bytes | tuple, salt: str, serializer=None, signer_kwargs: tuple = ()) -> URLSafeTimedSerializer:
    """A URLSafeTimedSerializer (keys newest last when a tuple), made once per arguments."""
    keys = list(secret) if isinstance(secret, tuple) else secret
    return URLSafeTimedSerializer(keys, salt=salt, serializer=serializer, signer=KeptKeyTimestampSigner,
                                  signer_kwargs=dict(signer_kwargs))


@functools.lru_cache(maxsize=32)
def serializer(secret: str | bytes, salt: str) -> URLSafeSerializer:
    """A URLSafeSerializer (no timestamp), made once per key and salt."""
    return URLSafeSerializer(secret, salt=salt, signer=KeptKeySigner)


def csrf_field(config) -> str:
    """The name of the CSRF token: its form field, its key in the session and in `g` (Flask-WTF's setting)."""
    return config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"


def csrf_token() -> str:
    """This request's signed CSRF token, as flask_wtf.csrf.generate_csrf makes it (same session key, salt and
    format, so Flask-WTF validates it), with a serializer made once."""
    field = csrf_field(current_app.config)
    token = g.get(field)
    if token is None:
        if not isinstance(session.get(field), str):
            session[field] = new_csrf_secret()
        token = sign_csrf(current_app, session[field])
        setattr(g, field, token)
    return token


def new_csrf_secret() -> str:
    """A session's raw CSRF secret (kept in the signed session; the form carries it signed)."""
    return hashlib.sha1(os.urandom(64)).hexdigest()


def sign_csrf(app, secret: str) -> str:
    """The CSRF token that carries `secret`, signed and timestamped as Flask-WTF expects."""
    return timed_serializer(app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key, "wtf-csrf-token").dumps(secret)
