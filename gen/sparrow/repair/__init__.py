"""Netlist repair after synthesis: design-rule buffering and sizing, clock trees with balanced
insertion delay, and hold fixing (``repair.repair_netlist``)."""

from .repair import RepairResult, repair_netlist

__all__ = ["RepairResult", "repair_netlist"]
