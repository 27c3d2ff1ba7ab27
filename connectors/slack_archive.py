"""A Slack export as files: the ZIP Slack produces, or its unpacked folder.

The ZIP is read member by member and never extracted; member names that could escape a folder are
rejected, and in a folder, symlinks leading outside it are left out.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from .base import ConnectorError
from .json_stream import read_chunks

_MAX_MEMBER_BYTES = 512 * 1024 * 1024


class ExportError(ConnectorError):
    """The path is not a readable Slack export."""


class ExportArchive:
    """Read-only view of an export, ZIP or folder, with safe member names. Symlinks in a folder that
    lead outside it are left out (`outside`)."""

    def __init__(self, path: Path):
        self.path = path
        self.rejected: list[str] = []
        self.outside: list[str] = []
        self._zip: zipfile.ZipFile | None = None
        if path.is_dir():
            root = path.resolve()
            names = []
            for p in path.rglob("*.json"):
                if p.is_symlink() and not p.resolve().is_relative_to(root):
                    self.outside.append(p.relative_to(path).as_posix())
                elif p.is_file():
                    names.append(p.relative_to(path).as_posix())
        elif path.is_file():
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise ExportError(f"{path} is not a readable ZIP file ({exc}); is the download complete?") from exc
            names = []
            for info in self._zip.infolist():
                if info.is_dir() or not info.filename.endswith(".json"):
                    continue
                if not _safe_name(info.filename):
                    self.rejected.append(info.filename)
                    continue
                names.append(info.filename)
        else:
            raise ExportError(f"{path} does not exist")
        self.prefix = _find_root(names)
        plen = len(self.prefix)
        self.members = sorted(n[plen:] for n in names if n.startswith(self.prefix))

    def size(self, name: str) -> int:
        full = self.prefix + name
        if self._zip is not None:
            return self._zip.getinfo(full).file_size
        return (self.path / full).stat().st_size

    def open(self, name: str) -> IO[bytes]:
        """A member as a binary stream (a ZIP member is inflated as it is read, never all at once)."""
        size = self.size(name)
        if size > _MAX_MEMBER_BYTES:
            raise ExportError(f"{name} is {size} bytes, over the {_MAX_MEMBER_BYTES} limit")
        if self._zip is not None:
            return self._zip.open(self.prefix + name)
        return (self.path / (self.prefix + name)).open("rb")

    def read(self, name: str) -> bytes:
        with self.open(name) as fh:
            return fh.read()

    def chunks(self, name: str) -> Iterator[bytes]:
        with self.open(name) as fh:
            yield from read_chunks(fh)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _safe_name(name: str) -> bool:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\\" in name:
        return False
    return ".." not in PurePosixPath(posixpath.normpath(name)).parts and ".." not in name.split("/")


def _find_root(names: list[str]) -> str:
    """Exports are sometimes zipped with one top folder: find the folder that holds the metadata."""
    for meta in ("channels.json", "users.json", "org_users.json"):
        hits = sorted((n for n in names if n == meta or n.endswith("/" + meta)), key=len)
        if hits:
            return hits[0][: -len(meta)]
    return ""
