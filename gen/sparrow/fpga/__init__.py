"""The Sparrow core on an FPGA board: a UART top, bitstream builds, a host client.

* :mod:`.protocol` the framed UART protocol (frames, error codes, byte layouts) and
  :mod:`.checksum` its CRC-8, shared by the gateware, the host client and the testbench;
* gateware, one component per module: :mod:`.uart_rx`, :mod:`.uart_tx`,
  :mod:`.frame_receiver`, :mod:`.frame_executor`, :mod:`.response_sender` (layouts they share
  in :mod:`.frame_layout`), and :mod:`.uart_top` (the core behind a UART, board-independent);
  :mod:`.board_top` puts it on a board (clock, reset button, pins, LED);
* :mod:`.boards` the supported boards; :mod:`.build` bitstream builds through Amaranth's
  platform build and the YoWASP tools, read by :mod:`.nextpnr_report` and written up by
  :mod:`.build_report` (metrics.json, report.md);
* :mod:`.client` the host side over a serial port (pyserial), every answer checked against
  the golden model (:mod:`.answers`); :mod:`.ecg_beats` MIT-BIH beats of every class;
* :mod:`.simulation` and :mod:`.tb` the whole top under cocotb; :mod:`.cli` ``sparrow fpga``.
"""
