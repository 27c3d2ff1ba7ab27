"""Keyed pseudonyms for people: the store never holds a native id, only HMAC-SHA256 of it."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from typing import TYPE_CHECKING

from .config import ConfigError, Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

KEY_FILE = "pseudonym.key"
FINGERPRINT_META_KEY = "pseudonym_key_fingerprint"


def load_secret(settings: Settings) -> bytes:
    """Return the pseudonymisation key: from settings, else from <data_dir>, created 0600 on first use."""
    if settings.pseudonym_secret:
        return settings.pseudonym_secret.encode("utf-8")
    path = settings.data_path / KEY_FILE
    if path.is_file():
        return read_key(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two concurrent first runs must not end up with two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key(path)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key.encode("ascii")


def read_key(path: Path) -> bytes:
    """The key in `path`, refused when other users could read or change it (as secrets.toml is)."""
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"pseudonym key {path} can be read by other users: run `chmod 600 {path}`")
    return path.read_text(encoding="ascii").strip().encode("ascii")


def fingerprint(secret: bytes) -> str:
    """A keyed hash of a constant: tells two keys apart, tells nothing about the key."""
    return hmac.new(secret, b"slopradar pseudonym key fingerprint", hashlib.sha256).hexdigest()[:16]


def check_key(engine: "Engine", settings: Settings) -> bytes:
    """The key for this store, refused when it is not the one the store was built with (recorded by its
    fingerprint in `meta`), and never created anew for a store that already holds people: a second key
    would silently make everyone a new person (an ingest run from another folder used to do that)."""
    from sqlmodel import Session, select

    from .schema import Meta, Person
    from .store import upsert

    path = settings.data_path / KEY_FILE
    where = "pseudonym_secret" if settings.pseudonym_secret else str(path)
    with Session(engine) as s:
        recorded = s.get(Meta, FINGERPRINT_META_KEY)
        has_people = s.exec(select(Person.id).limit(1)).first() is not None
        if not settings.pseudonym_secret and not path.is_file() and (recorded or has_people):
            raise ConfigError(f"no pseudonymisation key at {path}, but this store was built with one: set data_dir "
                              "to the folder holding its pseudonym.key (or set pseudonym_secret); a new key would "
                              "make everyone a new person")
        secret = load_secret(settings)
        if recorded is None:
            upsert(s, Meta, [dict(key=FINGERPRINT_META_KEY, value=fingerprint(secret))], keys=["key"])
            s.commit()
            recorded = s.get(Meta, FINGERPRINT_META_KEY)
        if recorded is not None and recorded.value != fingerprint(secret):
            raise ConfigError(f"the pseudonymisation key in {where} is not the one this store was built with: use "
                              "that key (data_dir or pseudonym_secret), or a new store")
    return secret


class Pseudonymizer:
    """Turns native identities ("email:a@b.c", "slack:T1:U123") into stable pseudonyms."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def alias(self, kind: str, native_id: str) -> str:
        """Keyed hash of one native identity; the key the alias table is indexed by."""
        norm = native_id.strip()
        if kind in ("email", "slack-name", "channel"):
            norm = norm.lower()
        digest = hmac.new(self._secret, f"{kind}:{norm}".encode("utf-8"), hashlib.sha256)
        return digest.hexdigest()[:32]

    def person_id(self, kind: str, native_id: str) -> str:
        """Public pseudonym of a person, derived from their first-seen identity."""
        return "p_" + self.alias(kind, native_id)[:16]
