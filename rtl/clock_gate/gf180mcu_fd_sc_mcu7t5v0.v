// sparrow_clock_gate for GF180MCU 7-track (gf180mcu_fd_sc_mcu7t5v0): the library's integrated
// clock gate icgtp ("latch_posedge_precontrol"); its test enable TE is tied off.
// Marked keep so synthesis never removes or optimises through it.
module sparrow_clock_gate (
  input  wire clk,
  input  wire en,
  output wire gclk
);
  (* keep *) gf180mcu_fd_sc_mcu7t5v0__icgtp_1 sparrow_cg_icg (.CLK(clk), .E(en), .TE(1'b0), .Q(gclk));
endmodule
