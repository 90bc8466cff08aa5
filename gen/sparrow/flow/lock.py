"""One flow per run folder: an exclusive lock on ``<run folder>/.sparrow.lock``.

A second flow started in a folder that a running flow uses stops at once with a message
naming the other flow's process, before it touches anything. The lock is re-entrant within a
process (the pipeline holds it while it prepares the inputs and runs the steps). The lock file
stays behind (empty of meaning once no process holds it): deleting it while another process
waits on it would let two flows in.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import SparrowError

LOCK_NAME = ".sparrow.lock"
_HELD: dict[Path, int] = {}     # run folder -> nesting depth in this process


@contextlib.contextmanager
def run_folder_lock(run_dir: str | os.PathLike) -> Iterator[None]:
    """Hold the run folder's lock (creating the folder); ``SparrowError`` when another process
    holds it."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    key = run_dir.resolve()
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    fd = os.open(key / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise SparrowError(f"run folder {run_dir} is in use by another flow (pid {owner}); "
                               "wait for it to finish or choose another folder with -o") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _HELD[key] = 1
        try:
            yield
        finally:
            del _HELD[key]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)    # closing releases the lock
