// sparrow_latch for OSU 0.18 um (osu018_stdcells): one LATCH per bit, transparent while its
// CLK pin is high (liberty: enable : "CLK"), which is the polarity of the model.
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
      LATCH sparrow_latch_cell (.CLK(en), .D(d[i]), .Q(q[i]));
    end
  endgenerate
endmodule
