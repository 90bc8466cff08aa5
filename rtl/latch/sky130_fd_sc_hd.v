// sparrow_latch for SkyWater 130 nm (sky130_fd_sc_hd): the latch sky130_fd_sc_hd__dlxtp_1,
// transparent while GATE is high (liberty: enable : "GATE"), as the behavioural model is.
// INIT (the model's power-up value) is ignored: a cell powers up unknown.
module sparrow_latch #(parameter INIT = 1'b0) (input wire en, input wire d, output wire q);
  sky130_fd_sc_hd__dlxtp_1 sparrow_latch_cell (.GATE(en), .D(d), .Q(q));
endmodule
