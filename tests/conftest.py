"""Shared test settings: deterministic hypothesis runs."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# Derandomized: the same examples on every run and machine, so CI is reproducible; no deadline
# because the machine is shared and timings vary.
settings.register_profile("sparrow", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("sparrow")
