"""Files Sparrow writes: atomically, with the user's permissions, and its cache folder.

``atomic_write_*``: a reader sees the old file or the whole new one, never half of it, and a
failed write leaves nothing behind. New files get mode 0666 minus the umask (as ``open``
would give them), not the 0600 of a bare temporary file.

The cache (``$SPARROW_CACHE_DIR``, else ``$XDG_CACHE_HOME/sparrow``, else
``~/.cache/sparrow``) holds derived files (decompressed liberty files, parsed libraries, beat
windows); everything in it can be deleted.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write: Callable[[IO], object], *,
                 binary: bool = False) -> Path:
    """Call ``write(f)`` on a temporary file in ``path``'s folder (created if needed), then
    rename it to ``path`` (atomic on POSIX). Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb" if binary else "w",
                       **({} if binary else {"encoding": "utf-8"})) as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    return atomic_write(path, lambda f: f.write(data), binary=True)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically; return the path."""
    return atomic_write(path, lambda f: f.write(text))


def cache_root() -> Path:
    """The folder of all of Sparrow's cache entries (see the module doc)."""
    explicit = os.environ.get("SPARROW_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "sparrow"


def cache_dir(*parts: str) -> Path:
    """A sub-folder of the cache, created if needed."""
    path = cache_root().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
