"""Battery life of a device that runs inferences at a steady rate.

lifetime = C x V / (P_base + f x E_inference): battery capacity C (mAh -> C), voltage V (V),
the rest of the system's power P_base (W), inference rate f (Hz) and energy per inference
E_inference (J). Self-discharge and the voltage curve of the cell are ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import SparrowError

SECONDS_PER_HOUR = 3600.0


class BatteryError(SparrowError):
    """A battery-life argument is out of range; the message names it."""


@dataclass(frozen=True)
class DeviceCase:
    """A device the inference runs in: battery, rest-of-system power and inference rate,
    each with its source."""

    name: str
    capacity_mah: float
    voltage_v: float
    base_power_w: float
    inference_rate_hz: float
    sources: dict

    @property
    def battery_energy_j(self) -> float:
        return battery_energy_j(self.capacity_mah, self.voltage_v)


SMARTWATCH = DeviceCase(
    name="smartwatch",
    capacity_mah=300.0,
    voltage_v=3.8,
    base_power_w=300e-3 * 3.8 / (7 * 24),
    inference_rate_hz=72 / 60,
    sources={
        "capacity_mah": "smartwatch batteries hold 300-500 mAh (Grepow, 'What factors affect "
                        "smart watch battery life?'); the low end",
        "voltage_v": "lithium-polymer cells of wearables: 3.7-3.8 V nominal (Grepow, 'How "
                     "long does the battery on a smartwatch last?')",
        "base_power_w": "300 mAh x 3.8 V spent in 7 days, the upper end of the 5-7 days "
                        "smartwatches last (same sources): 6.8 mW average for everything "
                        "but the classifier",
        "inference_rate_hz": "one ECG beat classified per heartbeat at 72 beats per minute",
    },
)
"""A smartwatch that classifies every heartbeat (the analytical paper's battery case is a
smartwatch too; its figures were not available, so these are sourced separately)."""


def _positive(name: str, value: float, *, zero_ok: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BatteryError(f"{name}: expected a finite number, got {value!r}")
    if value < 0 or (value == 0 and not zero_ok):
        raise BatteryError(f"{name}: must be {'non-negative' if zero_ok else 'positive'}, "
                           f"got {value:g}")
    return float(value)


def battery_energy_j(capacity_mah: float, voltage_v: float) -> float:
    """Energy stored (J): capacity (mAh) x 3.6 C/mAh x voltage (V)."""
    return (_positive("capacity_mah", capacity_mah) * 1e-3 * SECONDS_PER_HOUR
            * _positive("voltage_v", voltage_v))


def average_power_w(base_power_w: float, inference_rate_hz: float,
                    energy_per_inference_j: float) -> float:
    """Average power (W): P_base + f x E_inference."""
    return (_positive("base_power_w", base_power_w, zero_ok=True)
            + _positive("inference_rate_hz", inference_rate_hz, zero_ok=True)
            * _positive("energy_per_inference_j", energy_per_inference_j, zero_ok=True))


def lifetime_hours(capacity_mah: float, voltage_v: float, base_power_w: float,
                   inference_rate_hz: float, energy_per_inference_j: float) -> float:
    """Battery life (h) = C x V / (P_base + f x E_inference)."""
    power = average_power_w(base_power_w, inference_rate_hz, energy_per_inference_j)
    if power == 0:
        raise BatteryError("the device draws no power: its battery life is unbounded")
    return battery_energy_j(capacity_mah, voltage_v) / power / SECONDS_PER_HOUR


def case_lifetime_hours(case: DeviceCase, energy_per_inference_j: float, *,
                        inference_rate_hz: float | None = None,
                        base_power_w: float | None = None) -> float:
    """Battery life (h) of ``case`` with a classifier of ``energy_per_inference_j`` (J);
    rate (Hz) and rest-of-system power (W) default to the case's."""
    return lifetime_hours(case.capacity_mah, case.voltage_v,
                          case.base_power_w if base_power_w is None else base_power_w,
                          case.inference_rate_hz if inference_rate_hz is None
                          else inference_rate_hz,
                          energy_per_inference_j)
