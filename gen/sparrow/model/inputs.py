"""Inputs for a model: from an ``.npy`` file (raw samples), an ``.npz`` file (raw samples
``x`` and, for a model with an aux input, the aux vectors ``aux``), or uniform random."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import SparrowError
from .descriptor import Model
from .golden import check_aux, check_input

NPZ_KEYS = ("x", "aux")


def load_inputs(model: Model, path: str | os.PathLike, *, option: str = "--input") -> np.ndarray:
    """(N, C, L) raw samples from a plain ``.npy`` array or the ``x`` of an ``.npz`` (never
    pickled data), checked against the model's input; errors name the command-line
    ``option`` they came from."""
    return load_inputs_and_aux(model, path, option=option)[0]


def load_inputs_and_aux(model: Model, path: str | os.PathLike, *, option: str = "--input"
                        ) -> tuple[np.ndarray, np.ndarray | None]:
    """(raw samples (N, C, L), aux vectors (N, features) or None) from ``path``.

    An ``.npy`` holds the raw samples only. An ``.npz`` holds ``x`` (the raw samples) and,
    for a model with an aux input, ``aux`` (one row of aux integers per inference).
    """
    path = Path(path)
    if not path.is_file():
        raise SparrowError(f"{option}: file {path} not found")
    try:
        loaded = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        if "pickle" in str(e):
            raise SparrowError(f"{option}: {path} is not a plain .npy/.npz array (numpy reads "
                               "it as pickled data, which Sparrow does not load)") from None
        raise SparrowError(f"{option}: {path} is not a readable .npy or .npz file ({e})"
                           ) from None
    if isinstance(loaded, np.ndarray):
        x, aux = loaded, None
    else:
        with loaded as npz:
            unknown = sorted(set(npz.files) - set(NPZ_KEYS))
            if unknown or "x" not in npz.files:
                raise SparrowError(f"{option}: {path} must hold the arrays x (raw samples) and, "
                                   f"for a model with an aux input, aux; found "
                                   f"{', '.join(npz.files) or 'none'}")
            try:
                x = npz["x"]
                aux = npz["aux"] if "aux" in npz.files else None
            except (ValueError, OSError, EOFError) as e:
                raise SparrowError(f"{option}: {path} holds an unreadable array ({e})") from None
    x = check_input(model, x)
    if len(x) == 0:
        raise SparrowError(f"{option}: {path} holds no samples")
    return x, check_aux(model, aux, len(x))


def random_inputs(model: Model, count: int, seed: int = 0) -> np.ndarray:
    """``count`` inputs with every sample uniform over the model's input range."""
    rng = np.random.default_rng(seed)
    return rng.integers(model.input.min_value, model.input.max_value + 1,
                        size=(count, *model.input.shape))


def random_aux_inputs(model: Model, count: int, seed: int = 0) -> np.ndarray | None:
    """``count`` aux vectors uniform over the model's aux range (None without aux input);
    drawn from their own seeded stream, so the raw samples equal :func:`random_inputs`'."""
    from .random_model import random_aux
    return random_aux(model, count, np.random.default_rng([seed, 1]))
