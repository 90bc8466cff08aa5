"""Energy per inference and average power at an inference rate (closed forms).

All energies in J, powers in W, times in s, rates in Hz.
"""

from __future__ import annotations

def average_power_w(*, energy_per_inference_j: float, inference_time_s: float,
                    idle_power_w: float, rate_hz: float) -> float:
    """Average power (W) when one inference of ``energy_per_inference_j`` (J, leakage during
    the inference included) and ``inference_time_s`` (s) runs ``rate_hz`` times a second and
    the core draws ``idle_power_w`` (W) for the rest of each period: its measured idle power
    with the clock running, or its leakage when the clock is stopped.

    Raises ``ValueError`` when inferences at that rate would overlap."""
    if rate_hz <= 0:
        raise ValueError(f"inference rate must be positive, got {rate_hz} Hz")
    idle_s = 1.0 / rate_hz - inference_time_s
    if idle_s < 0:
        raise ValueError(f"an inference takes {inference_time_s:.3g} s: at most "
                         f"{1 / inference_time_s:.4g} inferences per second fit, not {rate_hz}")
    return rate_hz * (energy_per_inference_j + idle_power_w * idle_s)
