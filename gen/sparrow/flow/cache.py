"""Sparrow's cache folder for derived library files (decompressed, merged or patched
liberty files and their scanned summaries): ``$SPARROW_CACHE``, else
``$XDG_CACHE_HOME/sparrow``, else ``~/.cache/sparrow``. Everything in it can be deleted."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """The cache folder (or a sub-folder of it), created if needed."""
    if os.environ.get("SPARROW_CACHE"):
        root = Path(os.environ["SPARROW_CACHE"])
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sparrow"
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
