// sparrow_clock_gate for SkyWater 130 nm (sky130_fd_sc_hd): the library's integrated clock
// gate dlclkp (latch transparent while CLK is low + AND, clock_gating_integrated_cell
// "latch_posedge"). Marked keep so synthesis never removes or optimises through it.
module sparrow_clock_gate (
  input  wire clk,
  input  wire en,
  output wire gclk
);
  (* keep *) sky130_fd_sc_hd__dlclkp_1 sparrow_cg_icg (.CLK(clk), .GATE(en), .GCLK(gclk));
endmodule
