"""Write the random-weight example model (reproducible: fixed seed).

    python examples/make_random_examples.py

``examples/tiny`` is a few dozen weights for fast tests. (``examples/ecg`` is the trained
MIT-BIH reference model: see examples/ecg/README.md for the command that makes it.)
"""

from pathlib import Path

import numpy as np

from sparrow.model import save_model
from sparrow.model.random_model import calibrate, random_weights

HERE = Path(__file__).resolve().parent

TINY = {
    "name": "tiny",
    "timesteps": 7,
    "input": {"channels": 1, "length": 16, "bits": 8, "signed": True},
    "layers": [
        {"name": "conv1", "kind": "conv1d", "out_channels": 2, "kernel": 3, "padding": 1,
         "weight_bits": 8, "bias_bits": 12},
        {"name": "pool1", "kind": "maxpool1d", "kernel": 2, "stride": 2},
        {"name": "conv2", "kind": "conv1d", "out_channels": 3, "kernel": 3, "stride": 2,
         "weight_bits": 4, "bias_bits": 12},
        {"name": "fc", "kind": "dense", "out_features": 3, "weight_bits": 8, "bias_bits": 12,
         "role": "output"},
    ],
}


def make(desc: dict, seed: int, folder: Path) -> None:
    rng = np.random.default_rng(seed)
    weights = random_weights(desc, rng)
    model = calibrate(desc, weights, rng, samples=256, pow2=1.0, per_channel=0.0)
    path = save_model(model, folder / f"{desc['name']}.toml")
    print(f"wrote {path}")


if __name__ == "__main__":
    make(TINY, 7, HERE / "tiny")
