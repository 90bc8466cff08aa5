// sparrow_latch: behavioural model of a transparent latch, for RTL simulation only.
// Synthesis replaces it with rtl/latch/<cell library>.v (Yosys 0.23 maps no latch to a
// liberty cell by itself).
//
//   q follows d while en is high and holds while en is low. In a latch memory, en is a word's
//   gated clock pulse (high for the first half of the cycle after a write) and d a bit of the
//   registered write data, which is stable for the whole pulse.
// INIT is the model's power-up value (a real latch powers up unknown; the library versions
// ignore it, as synthesis ignores memory init values).
module sparrow_latch #(parameter INIT = 1'b0) (
  input  wire en,
  input  wire d,
  output reg  q
);
  initial q = INIT;
  always @(en or d)
    if (en) q = d;
endmodule
