"""cocotb testbench of the FPGA top (UART in, core, UART out), shipped with the package.

``test_uart_top`` is the cocotb test module (loaded by name,
``sparrow.fpga.tb.test_uart_top``); its job (design, frames, expected answers) comes from the
JSON file named by ``SPARROW_FPGA_TB_JOB``, written by :mod:`sparrow.fpga.simulation`. The
verification components: ``uart`` (line driver and monitor), ``scoreboard`` (answers against
the golden model), ``bridge`` (a TCP socket joined to the simulated UART, for host clients).
"""
