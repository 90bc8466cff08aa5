"""Verification runs of generated cores against the golden model (cocotb, gate level)."""
