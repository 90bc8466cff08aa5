"""A small on-disk JSON cache keyed by content hash, under the user's cache directory.

Location: ``$SPARROW_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/sparrow``, else
``~/.cache/sparrow``. Entries are plain JSON (no pickle), written to a temporary file and
moved into place, so a crash never leaves a half-written entry. A cache that cannot be read or
written is skipped: it only saves time, it never changes a result.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path


def cache_root() -> Path:
    """The directory that holds all of Sparrow's cache entries."""
    explicit = os.environ.get("SPARROW_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "sparrow"


def file_digest(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_entry(kind: str, key: str) -> dict | None:
    """The cached JSON object for ``key`` or None when absent or unreadable."""
    path = cache_root() / kind / f"{key}.json"
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def store_entry(kind: str, key: str, data: dict) -> None:
    """Store ``data`` atomically; a read-only or missing cache location is ignored."""
    folder = cache_root() / kind
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, separators=(",", ":"))
            os.replace(tmp, folder / f"{key}.json")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
