// sparrow_latch for ASAP7 RVT (asap7sc7p5t): the latch DHLx1_ASAP7_75t_R,
// transparent while CLK is high (liberty: enable : "CLK"), as the behavioural model is.
// INIT (the model's power-up value) is ignored: a cell powers up unknown.
module sparrow_latch #(parameter INIT = 1'b0) (input wire en, input wire d, output wire q);
  DHLx1_ASAP7_75t_R sparrow_latch_cell (.CLK(en), .D(d), .Q(q));
endmodule
