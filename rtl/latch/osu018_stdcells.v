// sparrow_latch for OSU 0.18 um (osu018_stdcells): the latch LATCH,
// transparent while CLK is high (liberty: enable : "CLK"), as the behavioural model is.
// INIT (the model's power-up value) is ignored: a cell powers up unknown.
module sparrow_latch #(parameter INIT = 1'b0) (input wire en, input wire d, output wire q);
  LATCH sparrow_latch_cell (.CLK(en), .D(d), .Q(q));
endmodule
