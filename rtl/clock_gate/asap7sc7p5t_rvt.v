// sparrow_clock_gate for ASAP7 RVT (asap7sc7p5t): the library's integrated clock gate ICGx1
// ("latch_posedge_precontrol"); its scan enable SE is tied off.
// Marked keep so synthesis never removes or optimises through it.
module sparrow_clock_gate (
  input  wire clk,
  input  wire en,
  output wire gclk
);
  (* keep *) ICGx1_ASAP7_75t_R sparrow_cg_icg (.CLK(clk), .ENA(en), .SE(1'b0), .GCLK(gclk));
endmodule
