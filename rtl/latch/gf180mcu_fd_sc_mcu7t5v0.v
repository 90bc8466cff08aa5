// sparrow_latch for GF180MCU 7-track (gf180mcu_fd_sc_mcu7t5v0): the latch latq_1,
// transparent while E is high (liberty: enable : "E"), as the behavioural model is.
// INIT (the model's power-up value) is ignored: a cell powers up unknown.
module sparrow_latch #(parameter INIT = 1'b0) (input wire en, input wire d, output wire q);
  gf180mcu_fd_sc_mcu7t5v0__latq_1 sparrow_latch_cell (.E(en), .D(d), .Q(q));
endmodule
