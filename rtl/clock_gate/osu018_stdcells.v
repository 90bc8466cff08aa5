// sparrow_clock_gate for OSU 0.18 um (osu018_stdcells): the library has no integrated clock
// gate, so it is built from cells: an enable latch and an AND.
// The OSU LATCH is transparent while its CLK pin is HIGH (liberty: enable : "CLK",
// hold_falling), so it is clocked by the inverted clock: transparent while clk is low,
// closed while clk is high, which is what keeps gclk glitch-free.
// The cells are library cells (black boxes to Yosys) and marked keep, so synthesis neither
// optimises through the gate nor removes it.
module sparrow_clock_gate (
  input  wire clk,
  input  wire en,
  output wire gclk
);
  wire clk_n, en_latched;
  (* keep *) INVX1  sparrow_cg_clk_inv (.A(clk), .Y(clk_n));
  (* keep *) LATCH  sparrow_cg_latch   (.CLK(clk_n), .D(en), .Q(en_latched));
  (* keep *) AND2X1 sparrow_cg_and     (.A(clk), .B(en_latched), .Y(gclk));
endmodule
