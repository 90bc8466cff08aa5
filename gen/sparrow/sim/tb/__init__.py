"""cocotb verification components of the generated core: driver, monitors, scoreboard.

``test_core`` is the cocotb test module; the job (design, inputs, expected values, stall
patterns) comes from the JSON file named by the environment variable ``SPARROW_TB_JOB``,
written by ``sparrow.sim.runner``. Nothing here is imported outside a cocotb run except
``job`` (the job format, shared with the runner).
"""
