// sparrow_clock_gate for IHP SG13G2 (sg13g2_stdcell): the library's clock gates lgcp and
// slgcp are marked dont_use, so the gate is built from cells: the active-low latch dllrq
// (transparent while GATE_N = clk is low; reset unused, tied inactive) and an AND.
// Marked keep so synthesis never removes or optimises through it.
module sparrow_clock_gate (
  input  wire clk,
  input  wire en,
  output wire gclk
);
  wire en_latched;
  (* keep *) sg13g2_dllrq_1 sparrow_cg_latch (.D(en), .GATE_N(clk), .RESET_B(1'b1), .Q(en_latched));
  (* keep *) sg13g2_and2_1  sparrow_cg_and   (.A(clk), .B(en_latched), .X(gclk));
endmodule
