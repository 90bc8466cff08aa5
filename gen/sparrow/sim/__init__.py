"""Simulation of generated cores and netlists.

``runner.run_core_sim``: a core (RTL, or its netlist at gate level) under the cocotb
testbench ``tb`` on Icarus or Verilator, every inference against the golden model.
``icarus.run_icarus`` / ``gatesim.run_gatesim``: any Verilog (or netlist with cell models) and
a Verilog testbench under Icarus, with an optional VCD window. ``simulators``: finding the
simulators, with install hints.

Nothing is imported here eagerly: the testbench package is imported inside the simulator.
"""
