"""cocotb verification components of the generated core: driver, monitors, scoreboard.

Used by ``sim/test_core.py``; the job (design, inputs, expected values, stall patterns) comes
from the JSON file named by the environment variable ``SPARROW_TB_JOB``, written by
``sparrow.verify.rtl_sim``.
"""
