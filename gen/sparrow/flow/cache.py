"""Sparrow's cache folder for derived library files (decompressed, merged or patched
liberty files and their scanned summaries): the root of ``sparrow.power.cache``
(``$SPARROW_CACHE_DIR``, else ``$XDG_CACHE_HOME/sparrow``, else ``~/.cache/sparrow``).
Everything in it can be deleted."""

from __future__ import annotations

from pathlib import Path

from ..power.cache import cache_root


def cache_dir(*parts: str) -> Path:
    """The cache folder (or a sub-folder of it), created if needed."""
    path = cache_root().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
