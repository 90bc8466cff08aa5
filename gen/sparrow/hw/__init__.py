"""Amaranth generators of the SSF core. Imports sparrow.model, never the flow above it."""

from .plan import HardwareLimitError, HardwarePlan, Limits, plan_core

__all__ = ["HardwareLimitError", "HardwarePlan", "Limits", "plan_core"]
