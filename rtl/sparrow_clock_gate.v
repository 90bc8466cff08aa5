// sparrow_clock_gate: behavioural model of a latch-based integrated clock gate, for RTL
// simulation only. Synthesis replaces it with rtl/clock_gate/<cell library>.v.
//
//   gclk = clk & en_latched, where en_latched follows en while clk is low and holds while
//   clk is high. Latching while clk is low means en may change at any time in the cycle
//   (it is launched by the rising edge) without glitching gclk: the AND only sees a value
//   that is stable for the whole high phase of clk.
module sparrow_clock_gate (
  input  wire clk,
  input  wire en,
  output wire gclk
);
  reg en_latched;
  // Transparent while clk is low; initialised low so gclk is never X before the first low
  // phase (a real latch powers up unknown; the gate is opened by the first low phase).
  initial en_latched = 1'b0;
  always @(clk or en)
    if (!clk) en_latched = en;
  assign gclk = clk & en_latched;
endmodule
