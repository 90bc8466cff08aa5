// sparrow_latch for SkyWater 130 nm (sky130_fd_sc_hd): one dlxtp per bit, transparent while
// GATE is high (liberty: enable : "GATE").
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
      sky130_fd_sc_hd__dlxtp_1 sparrow_latch_cell (.GATE(en), .D(d[i]), .Q(q[i]));
    end
  endgenerate
endmodule
