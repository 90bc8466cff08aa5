// sparrow_latch for GF180MCU 7-track (gf180mcu_fd_sc_mcu7t5v0): one latq per bit, transparent
// while E is high (liberty: enable : "E").
module sparrow_latch #(
  parameter WIDTH = 1,
  parameter INIT = 0        // the model's power-up value; cells power up unknown
) (
  input  wire             en,
  input  wire [WIDTH-1:0] d,
  output wire [WIDTH-1:0] q
);
  genvar i;
  generate
    for (i = 0; i < WIDTH; i = i + 1) begin : bits
      gf180mcu_fd_sc_mcu7t5v0__latq_1 sparrow_latch_cell (.E(en), .D(d[i]), .Q(q[i]));
    end
  endgenerate
endmodule
