"""Signed values (session cookie, CSRF token, form stamp, reader cookies) with serializers made once per key.

itsdangerous builds a signer and derives its key (one HMAC over the secret) on every dumps() and loads();
a served article page signs three values, so those derivations were a tenth of a cached page's time. The
signers here keep each derived key. The values they sign are in the stock classes' format, which the stock
classes read; they are byte for byte the stock values except that a payload under COMPRESSED_FROM bytes is
never given to zlib: the stock classes try to compress every payload (about 10 µs each, a new deflate state
per call) and keep the result only when it is shorter, which a token or a timestamp never is.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import threading
import zlib

from flask import current_app, g, session
from flask.json.tag import TaggedJSONSerializer
from itsdangerous import Signer, TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes
from itsdangerous.signer import HMACAlgorithm
from itsdangerous.serializer import Serializer

_derived: dict[tuple, bytes] = {}
_lock = threading.Lock()
_MAX_KEYS = 256  # secrets x salts in use: a handful; the bound only guards against misuse


class OneShotHMAC(HMACAlgorithm):
    """itsdangerous' HMAC through hmac.digest(), OpenSSL's one-shot HMAC, by the digest's name (the stock one
    builds an HMAC object for every signature made or checked): the same bytes."""

    def __init__(self, digest_method) -> None:
        super().__init__(digest_method)
        self.digest_name = digest_method().name

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, self.digest_name)


class _KeptKeys:
    """derive_key() computed once per (secret, salt, derivation, digest) for the whole process, and the stock
    HMAC made one-shot (OneShotHMAC)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if type(self.algorithm) is HMACAlgorithm:
            self.algorithm = OneShotHMAC(self.digest_method)

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


COMPRESSED_FROM = 256  # bytes of JSON: shorter payloads are signed as they are


class _ShortPayloadsPlain:
    """URLSafeSerializerMixin.dump_payload, with zlib tried only on payloads of COMPRESSED_FROM bytes or more."""

    def dump_payload(self, obj) -> bytes:
        json = Serializer.dump_payload(self, obj)
        if len(json) >= COMPRESSED_FROM:
            compressed = zlib.compress(json)
            if len(compressed) < len(json) - 1:
                return b"." + base64_encode(compressed)
        return base64_encode(json)


class TimedSerializer(_ShortPayloadsPlain, URLSafeTimedSerializer):
    """URLSafeTimedSerializer that leaves short payloads uncompressed and signs and reads through one signer for
    its own salt, made at its first use (the stock one builds a signer, its algorithm and its list of keys for
    every value signed or read)."""

    def make_signer(self, salt: str | bytes | None = None) -> TimestampSigner:
        if salt is not None and want_bytes(salt) != self.salt:
            return super().make_signer(salt)
        signer = self.__dict__.get("_signer")
        if signer is None:
            signer = self._signer = super().make_signer()
        return signer


class PlainSerializer(_ShortPayloadsPlain, URLSafeSerializer):
    """URLSafeSerializer that leaves short payloads uncompressed."""


class SessionJSON(TaggedJSONSerializer):
    """Flask's tagged JSON for the session cookie, with a session of strings written and read directly: for it
    the tagged serializer writes compact JSON with sorted keys, ASCII only (no tag applies to a string; Flask's
    JSON provider sorts keys and escapes non-ASCII), after a walk over the value that was a third of a new
    session's cookie, and reads it back unchanged after another walk. Anything else goes through the tags."""

    def dumps(self, value) -> str:
        if self._plain(value):
            return json.dumps(value, separators=(",", ":"), sort_keys=True)
        return super().dumps(value)

    def loads(self, value: str | bytes):
        loaded = json.loads(value)
        return loaded if self._plain(loaded) else self._untag_scan(loaded)

    def _plain(self, value) -> bool:
        """A dict of strings, which no tag reads (a one-key dict whose key is a tag's is escaped by the tags)."""
        return (
            isinstance(value, dict)
            and all(type(key) is str and type(item) is str for key, item in value.items())
            and not (len(value) == 1 and next(iter(value)) in self.tags)
        )


session_json = SessionJSON()


@functools.lru_cache(maxsize=32)
def timed_serializer(secret: str | bytes | tuple, salt: str, serializer=None, signer_kwargs: tuple = ()) -> TimedSerializer:
    """A TimedSerializer (keys newest last when a tuple), made once per arguments."""
    keys = list(secret) if isinstance(secret, tuple) else secret
    return TimedSerializer(keys, salt=salt, serializer=serializer, signer=KeptKeyTimestampSigner,
                           signer_kwargs=dict(signer_kwargs))


@functools.lru_cache(maxsize=32)
def serializer(secret: str | bytes, salt: str) -> PlainSerializer:
    """A PlainSerializer (no timestamp), made once per key and salt."""
    return PlainSerializer(secret, salt=salt, signer=KeptKeySigner)


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
