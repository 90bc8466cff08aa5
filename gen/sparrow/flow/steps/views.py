"""What the Sparrow-specific steps share: loading the model and the generated design back
from the views an earlier step wrote."""

from __future__ import annotations

import numpy as np

from ...errors import SparrowError
from ...hw.generate import GeneratedDesign, load_design
from ...model import Model, load_model
from ..state import State, view_files


def model_of(state: State) -> Model:
    """The model of view ``descriptor`` (descriptor file first, then its weights)."""
    return load_model(view_files(state.view("descriptor"))[0])


def design_of(state: State, model: Model) -> GeneratedDesign:
    """The generated design whose manifest is view ``manifest``."""
    try:
        return load_design(view_files(state.view("manifest"))[0].parent, model)
    except ValueError as e:
        raise SparrowError(str(e)) from None


def inputs_of(state: State) -> tuple[np.ndarray, np.ndarray | None]:
    """The raw samples (N, C, L) and aux vectors (N, features; None without) of view
    ``inputs`` (inputs.npy, then aux.npy for a model with an aux input)."""
    files = view_files(state.view("inputs"))
    x = np.load(files[0], allow_pickle=False)
    return x, (np.load(files[1], allow_pickle=False) if len(files) > 1 else None)
