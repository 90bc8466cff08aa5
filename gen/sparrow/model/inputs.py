"""Raw input samples for a model: from an ``.npy`` file, or uniform random."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import SparrowError
from .descriptor import Model
from .golden import check_input


def load_inputs(model: Model, path: str | os.PathLike, *, option: str = "--input") -> np.ndarray:
    """(N, C, L) raw samples from a plain ``.npy`` array (never pickled data), checked against
    the model's input; errors name the command-line ``option`` they came from."""
    path = Path(path)
    if not path.is_file():
        raise SparrowError(f"{option}: file {path} not found")
    try:
        x = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        if "pickle" in str(e):
            raise SparrowError(f"{option}: {path} is not a plain .npy array (numpy reads it "
                               "as pickled data, which Sparrow does not load)") from None
        raise SparrowError(f"{option}: {path} is not a readable .npy array ({e})") from None
    if not isinstance(x, np.ndarray):
        x.close()
        raise SparrowError(f"{option}: {path} holds several arrays; give one .npy array")
    x = check_input(model, x)
    if len(x) == 0:
        raise SparrowError(f"{option}: {path} holds no samples")
    return x


def random_inputs(model: Model, count: int, seed: int = 0) -> np.ndarray:
    """``count`` inputs with every sample uniform over the model's input range."""
    rng = np.random.default_rng(seed)
    return rng.integers(model.input.min_value, model.input.max_value + 1,
                        size=(count, *model.input.shape))
