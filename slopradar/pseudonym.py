"""Keyed pseudonyms for people: the store never holds a native id, only HMAC-SHA256 of it."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from .config import ConfigError, Settings

KEY_FILE = "pseudonym.key"


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
