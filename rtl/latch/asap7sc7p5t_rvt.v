// sparrow_latch for ASAP7 RVT (asap7sc7p5t): one DHLx1 per bit, transparent while CLK is high
// (liberty: enable : "CLK").
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
      DHLx1_ASAP7_75t_R sparrow_latch_cell (.CLK(en), .D(d[i]), .Q(q[i]));
    end
  endgenerate
endmodule
