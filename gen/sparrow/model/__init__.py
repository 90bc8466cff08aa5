"""The model layer: descriptor, golden model, references. Imports nothing above it."""

from .descriptor import InputSpec, Layer, Model, load_model, model_from_dict, save_model
from .golden import (GoldenResult, LayerStats, accumulator_bits, accumulator_range,
                     layer_traffic, run)
from .if_reference import IfResult, run_if
from .reference import plain_forward

__all__ = [
    "InputSpec", "Layer", "Model", "load_model", "model_from_dict", "save_model",
    "GoldenResult", "LayerStats", "accumulator_bits", "accumulator_range", "layer_traffic",
    "run", "IfResult", "run_if", "plain_forward",
]
