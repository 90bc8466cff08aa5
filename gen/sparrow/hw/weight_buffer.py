"""Weight and bias memories of every weighted layer, read once per use (never per timestep)."""

from __future__ import annotations

from amaranth import Module, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from .memory import SparrowMemory
from .plan import HardwarePlan


def pack_word(values, bits: int) -> int:
    """Pack signed lane values into one word, lane 0 in the low bits."""
    mask = (1 << bits) - 1
    word = 0
    for lane, value in enumerate(values):
        word |= (int(value) & mask) << (lane * bits)
    return word


class WeightBuffer(wiring.Component):
    """All weights and biases on chip: one memory pair per weighted layer.

    ``baked`` mode: ROMs holding the descriptor's values (they synthesize to logic).
    ``loadable`` mode: RAMs written through the config port (``cfg_*``), one element per
    write, at the addresses of ``plan.config_regions``; the storage is clocked by
    ``write_domain`` (gated by the config enable), so it sees no clock during inference.

    Reads: in a cycle with ``w_en`` (``b_en``), the memory of layer ``layer`` reads word
    ``w_addr`` (``b_addr``); one clock later ``weights`` (``biases``) hold its P lanes,
    sign-extended. Memories of other layers stay still.
    """

    def __init__(self, plan: HardwarePlan, *, write_domain: str = "sync"):
        if not isinstance(plan, HardwarePlan):
            raise TypeError(f"plan must be a HardwarePlan, got {type(plan).__name__}")
        self._plan = plan
        self._write_domain = write_domain
        weighted = [l for l in plan.layers if l.has_weights]
        addr_bits = max(1, max(max(l.weight_words, 2) - 1 for l in weighted).bit_length())
        bias_bits = max(1, max(max(l.bias_words, 2) - 1 for l in weighted).bit_length())
        signature = {
            "layer": In(max(1, (len(plan.layers) - 1).bit_length())),
            "w_addr": In(addr_bits),
            "w_en": In(1),
            "b_addr": In(bias_bits),
            "b_en": In(1),
            "weights": Out(data.ArrayLayout(signed(plan.weight_bits), plan.lanes)),
            "biases": Out(data.ArrayLayout(signed(plan.accumulator_bits), plan.lanes)),
        }
        if plan.mode == "loadable":
            signature |= {
                "cfg_addr": In(plan.config_addr_bits),
                "cfg_data": In(plan.config_data_bits),
                "cfg_en": In(1),
            }
        super().__init__(signature)

    def elaborate(self, platform):
        m = Module()
        plan = self._plan
        p = plan.lanes
        loadable = plan.mode == "loadable"
        regions = {(r.layer, r.what): r for r in plan.config_regions}
        for layer in plan.layers:
            if not layer.has_weights:
                continue
            mems = {}
            for what, bits, words in (("weight", layer.weight_bits, plan.weight_words(layer)),
                                      ("bias", layer.bias_bits, plan.bias_words(layer))):
                init = () if loadable else [pack_word(row, bits) for row in words]
                mem = SparrowMemory(width=p * bits, depth=len(words), init=init, lanes=p,
                                    writable=loadable, write_domain=self._write_domain)
                m.submodules[f"{layer.name}_{what}"] = mems[what] = mem
                if loadable:
                    self._connect_config(m, mem, regions[(layer.index, what)], bits)
            selected = Signal(name=f"{layer.name}_selected")
            m.d.comb += selected.eq(self.layer == layer.index)
            wmem, bmem = mems["weight"], mems["bias"]
            m.d.comb += [
                wmem.r_addr.eq(self.w_addr), wmem.r_en.eq(self.w_en & selected),
                bmem.r_addr.eq(self.b_addr), bmem.r_en.eq(self.b_en & selected),
            ]
            with m.If(selected):
                for lane in range(p):
                    wl = layer.weight_bits
                    bl = layer.bias_bits
                    m.d.comb += [
                        self.weights[lane].eq(wmem.r_data[lane * wl:(lane + 1) * wl].as_signed()),
                        self.biases[lane].eq(bmem.r_data[lane * bl:(lane + 1) * bl].as_signed()),
                    ]
        return m

    def _connect_config(self, m: Module, mem: SparrowMemory, region, bits: int) -> None:
        shift = (region.lane_span - 1).bit_length()
        offset = Signal(self.cfg_addr.shape(), name=f"cfg_offset_{region.layer}_{region.what}")
        hit = Signal(name=f"cfg_hit_{region.layer}_{region.what}")
        lane = offset[:shift] if shift else 0
        m.d.comb += [
            offset.eq(self.cfg_addr - region.base),
            hit.eq(self.cfg_en & (self.cfg_addr >= region.base) &
                   (self.cfg_addr < region.base + region.size)),
            mem.w_addr.eq(offset[shift:]),
            mem.w_data.eq(self.cfg_data[:bits].replicate(region.lanes)),
        ]
        for i in range(region.lanes):
            m.d.comb += mem.w_en[i].eq(hit & (lane == i))
