"""A small on-disk JSON cache keyed by content hash, under the user's cache directory.

Location: Sparrow's cache folder (``sparrow.fileio.cache_root``). Entries are plain JSON (no
pickle), written atomically, so a crash never leaves a half-written entry. A cache that cannot
be read or written is skipped: it only saves time, it never changes a result.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..fileio import atomic_write_text, cache_root


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
    try:
        atomic_write_text(cache_root() / kind / f"{key}.json",
                          json.dumps(data, separators=(",", ":")))
    except OSError:
        return
