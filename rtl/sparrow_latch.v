// sparrow_latch: behavioural model of WIDTH transparent latches, for RTL simulation only.
// Synthesis replaces it with rtl/latch/<cell library>.v (Yosys 0.23 maps no latch to a
// liberty cell by itself).
//
//   q follows d while en is high and holds while en is low. In a latch memory, en is a word's
//   gated clock pulse (high for the first half of the cycle after a write) and d the
//   registered write data, which is stable for the whole pulse.
// INIT is the power-up value of the model (a real latch powers up unknown; the mapped
// versions ignore it, as synthesis ignores memory init values).
module sparrow_latch #(
  parameter WIDTH = 1,
  parameter [WIDTH-1:0] INIT = {WIDTH{1'b0}}
) (
  input  wire             en,
  input  wire [WIDTH-1:0] d,
  output reg  [WIDTH-1:0] q
);
  initial q = INIT;
  always @(en or d)
    if (en) q = d;
endmodule
