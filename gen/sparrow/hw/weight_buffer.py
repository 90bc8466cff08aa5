"""Weight and bias memories of every weighted layer, read once per use (never per timestep)."""

from __future__ import annotations

from amaranth import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .clock_gate import STYLES, gated_domain
from .memory import SparrowMemory
from .params import check_choice, check_instance
from .rom import DecodedRom
from .plan import HardwarePlan
from .ports import CoefficientSignature, ConfigSignature, RequestSignature


def pack_word(values, bits: int) -> int:
    """Pack signed lane values into one word, lane 0 in the low bits."""
    mask = (1 << bits) - 1
    word = 0
    for lane, value in enumerate(values):
        word |= (int(value) & mask) << (lane * bits)
    return word


class WeightBuffer(wiring.Component):
    """All weights and biases on chip: one memory pair per weighted layer.

    ``baked`` mode: ROMs holding the descriptor's values, read through a registered one-hot
    select (``DecodedRom``), each select register in a domain gated by its own reads
    (``clock_gate``: the style of ``clock_gate.gated_domain``).
    ``loadable`` mode: RAMs written through the config port (``cfg``), one element per
    write, at the addresses of ``plan.config_regions``; the storage is clocked by
    ``write_domain`` (gated by the config enable), so it sees no clock during inference.

    Reads: in a cycle with ``weight_read.en`` (``bias_read.en``), the memory of layer
    ``layer`` reads word ``weight_read.addr`` (``bias_read.addr``); one clock later
    ``coefficients.weights`` (``.biases``) hold its P lanes, sign-extended. Memories of
    other layers stay still. The memories are built in the plan's ``memory_style`` with
    ``clock_gate`` (``SparrowMemory``).
    """

    def __init__(self, plan: HardwarePlan, *, write_domain: str = "sync",
                 clock_gate: str = "none"):
        check_instance("plan", plan, HardwarePlan)
        check_choice("clock_gate", clock_gate, STYLES)
        self._plan = plan
        self._write_domain = write_domain
        self._clock_gate = clock_gate
        weighted = [l for l in plan.layers if l.has_weights]
        addr_bits = max(1, max(max(l.weight_words, 2) - 1 for l in weighted).bit_length())
        bias_bits = max(1, max(max(l.bias_words, 2) - 1 for l in weighted).bit_length())
        signature = {
            "layer": In(max(1, (len(plan.layers) - 1).bit_length())),
            "weight_read": In(RequestSignature(addr_bits=addr_bits)),
            "bias_read": In(RequestSignature(addr_bits=bias_bits)),
            "coefficients": Out(CoefficientSignature(lanes=plan.lanes,
                                                     weight_bits=plan.weight_bits,
                                                     accumulator_bits=plan.accumulator_bits)),
        }
        if plan.mode == "loadable":
            signature["cfg"] = In(ConfigSignature(addr_bits=plan.config_addr_bits,
                                                  data_bits=plan.config_data_bits))
        super().__init__(signature)

    @property
    def read_latency(self) -> int:
        """Cycles from a read request to its coefficients."""
        return 1

    def elaborate(self, platform):
        m = Module()
        plan = self._plan
        p = plan.lanes
        loadable = plan.mode == "loadable"
        regions = {(r.layer, r.what): r for r in plan.config_regions}
        for layer in plan.layers:
            if not layer.has_weights:
                continue
            selected = Signal(name=f"{layer.name}_selected")
            m.d.comb += selected.eq(self.layer == layer.index)
            mems = {}
            for what, bits, words, request in (
                    ("weight", layer.weight_bits, plan.weight_words(layer), self.weight_read),
                    ("bias", layer.bias_bits, plan.bias_words(layer), self.bias_read)):
                name = f"{layer.name}_{what}"
                read = Signal(name=f"{name}_read")
                m.d.comb += read.eq(request.en & selected)
                if loadable:
                    mem = SparrowMemory(width=p * bits, depth=len(words), lanes=p,
                                        write_domain=self._write_domain,
                                        style=plan.memory_style, clock_gate=self._clock_gate)
                    self._connect_config(m, mem, regions[(layer.index, what)], bits)
                else:
                    # Each ROM's select register is clocked only by its own reads.
                    mem = DecodedRom(words=[pack_word(row, bits) for row in words],
                                     width=p * bits,
                                     select_domain=gated_domain(m, f"{name}_rd", read,
                                                                self._clock_gate))
                m.submodules[name] = mems[what] = mem
                # Only the active layer's memory sees the address move (operand isolation:
                # the others' decoders stay still).
                m.d.comb += [mem.read.addr.eq(Mux(selected, request.addr, 0)),
                             mem.read.en.eq(read)]
            wmem, bmem = mems["weight"], mems["bias"]
            out = self.coefficients
            with m.If(selected):
                for lane in range(p):
                    wl = layer.weight_bits
                    bl = layer.bias_bits
                    m.d.comb += [
                        out.weights[lane].eq(wmem.read.data[lane * wl:(lane + 1) * wl].as_signed()),
                        out.biases[lane].eq(bmem.read.data[lane * bl:(lane + 1) * bl].as_signed()),
                    ]
        return m

    def _connect_config(self, m: Module, mem: SparrowMemory, region, bits: int) -> None:
        shift = (region.lane_span - 1).bit_length()
        cfg = self.cfg
        offset = Signal(cfg.addr.shape(), name=f"cfg_offset_{region.layer}_{region.what}")
        hit = Signal(name=f"cfg_hit_{region.layer}_{region.what}")
        lane = offset[:shift] if shift else 0
        m.d.comb += [
            offset.eq(cfg.addr - region.base),
            hit.eq(cfg.en & (cfg.addr >= region.base) & (cfg.addr < region.base + region.size)),
            mem.write.addr.eq(offset[shift:]),
            mem.write.data.eq(cfg.data[:bits].replicate(region.lanes)),
        ]
        for i in range(region.lanes):
            m.d.comb += mem.write.en[i].eq(hit & (lane == i))
