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
from itsdangerous.encoding import base64_decode, base64_encode, int_to_bytes, want_bytes
from itsdangerous.signer import HMACAlgorithm
from itsdangerous.serializer import Serializer

_derived: dict[tuple, bytes] = {}
_lock = threading.Lock()
_MAX_KEYS = 256  # secrets x salts in use: a handful; the bound only guards against misuse


class _KeptKeys:
    """derive_key() computed once per (secret, salt, derivation, digest) for the whole process; HMACs made and
    checked with hmac.digest(), OpenSSL's one-shot HMAC (the stock signer builds an HMAC object each time)."""

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

    def _one_shot(self) -> str | None:
        """The digest's name for hmac.digest(), or None when the algorithm is not the stock HMAC."""
        if type(self.algorithm) is not HMACAlgorithm:
            return None
        name = self.__dict__.get("_digest")
        if name is None:
            name = self._digest = self.digest_method().name
        return name

    def get_signature(self, value: str | bytes) -> bytes:
        digest = self._one_shot()
        if digest is None:
            return super().get_signature(value)
        return base64_encode(hmac.digest(self.derive_key(), want_bytes(value), digest))

    def verify_signature(self, value: str | bytes, sig: str | bytes) -> bool:
        digest = self._one_shot()
        if digest is None:
            return super().verify_signature(value, sig)
        value = want_bytes(value)
        try:
            sig = base64_decode(sig)
        except Exception:
            return False
        return any(hmac.compare_digest(sig, hmac.digest(self.derive_key(key), value, digest))
                   for key in reversed(self.secret_keys))


class KeptKeySigner(_KeptKeys, Signer):
    """itsdangerous.Signer with its derived key kept."""


class KeptKeyTimestampSigner(_KeptKeys, TimestampSigner):
    """itsdangerous.TimestampSigner with its derived key kept, and a sign() that makes the stock bytes in one step
    (the stock one goes through five methods)."""

    def sign(self, value: str | bytes) -> bytes:
        sep = want_bytes(self.sep)
        value = want_bytes(value) + sep + base64_encode(int_to_bytes(self.get_timestamp()))
        return value + sep + self.get_signature(value)


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
    """URLSafeTimedSerializer that leaves short payloads uncompressed and signs and reads through one signer, made
    at its first use (the stock one builds a signer, its algorithm and its list of keys for every value)."""

    def dumps(self, obj, salt: str | bytes | None = None) -> str | bytes:
        if salt is not None:
            return super().dumps(obj, salt)
        signed = self._kept_signer().sign(self.dump_payload(obj))
        return signed.decode("utf-8") if self.is_text_serializer else signed

    def iter_unsigners(self, salt: str | bytes | None = None):
        if salt is not None or self.fallback_signers:
            yield from super().iter_unsigners(salt)
            return
        yield self._kept_signer()  # it checks every key, newest first

    def _kept_signer(self) -> KeptKeyTimestampSigner:
        signer = self.__dict__.get("_signer")
        if signer is None:
            signer = self._signer = self.make_signer()
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
