// sparrow_latch for IHP SG13G2 (sg13g2_stdcell): the latch sg13g2_dlhq_1,
// transparent while GATE is high (liberty: enable : "GATE"), as the behavioural model is.
// INIT (the model's power-up value) is ignored: a cell powers up unknown.
module sparrow_latch #(parameter INIT = 1'b0) (input wire en, input wire d, output wire q);
  sg13g2_dlhq_1 sparrow_latch_cell (.GATE(en), .D(d), .Q(q));
endmodule
