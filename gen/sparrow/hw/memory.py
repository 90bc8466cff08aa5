"""The one memory wrapper every buffer of the core goes through, in three styles.

Keeping every memory behind this wrapper is also what lets an SRAM macro replace it in a
place-and-route run. The styles (``memory_style``) have the same ports, read latency and
semantics (see ``SparrowMemory``); they differ in what a write clocks and what a read toggles:

* ``flop``: a behavioural Amaranth ``Memory``. In synthesis: flip-flops with an enable mux
  each, all on the write domain's clock (one clock-gated domain per bank in the core, so every
  written word clocks the whole bank), and a binary read multiplexer whose address bits reach
  every word; a ROM becomes logic of the address.
* ``flop_gated``: a standard-cell memory of flip-flops. Each word (each lane of a word, with
  lane writes) has its own clock gate, nested in the write domain's: a write clocks one word.
  The gate's enable is the decoded write address; the word's flops take ``write.data`` at the
  same edge a ``flop`` memory would, and need no enable mux.
* ``latch``: a standard-cell memory of latches (as in latch register files, e.g. the
  CV32E40P's): the same per-word clock gates, a latch per bit instead of a flip-flop (OSU018:
  58 % of the area, 80 % of the clock-pin capacitance, 64 % of the leakage), and the write
  data registered once per memory.

Reads in both decoded styles: the read address is registered (``read.en``) and decoded to a
one-hot word select (``WordDecoder``), which drives an AND-OR tree: an address change toggles
the select lines of two words and the tree paths below them, not a multiplexer spanning the
whole array. A decoded ROM is the same tree with constant words (OR trees of select lines).
Registering the address rather than the one-hot select keeps the register at ceil(log2 depth)
flip-flops: they see the read clock every cycle, a one-hot register would be ``depth`` of them.

Latch write timing (``E`` the rising clock edges; a write requested in cycle ``k``, between
``E_k`` and ``E_k+1``)::

    cycle k       write.en/addr/data settle after E_k. The word's clock gate latches its
                  enable (decoded address AND lane enable) while the clock is low.
    E_k+1         data_q <= write.data (on the write domain's clock, which runs because the
                  memory is written). The gate closes its enable latch and passes the edge:
                  the word's gated clock rises.
    high phase    the word's latches are transparent and follow data_q, which settles one
                  clock-to-Q after E_k+1 and cannot change again before E_k+2.
    falling edge  the gated clock falls, the latches close on the stable data_q. Setup: half
                  a period minus clock-to-Q and the data fanout; hold: half a period (data_q
                  changes at rising edges only).

So the enable is glitch-free (the gate's latch holds it while the clock is high) and the data
the latch closes on is a register output that does not move while any latch is open: the
array is glitch-free by construction, with no timing assumption beyond the half-cycle setup
OpenSTA checks (time borrowing from the opening edge). The written word shows the new value
from the high phase of cycle k+1, as a ``flop`` memory shows it from E_k+1: a read requested in
cycle k+1 sees it.

Differences a user of the wrapper can see, none of which the core exercises (its activation
banks are read and written in turns, the input buffer and the loadable weights are written
only while no inference runs):

* a read in the same cycle as a write of the same word returns the old word (``flop``) or the
  new one (decoded styles);
* ``read.data`` holds while ``read.en`` is low; in the decoded styles a write of the word it
  shows changes it (it shows the word, not a copy).

Amaranth's simulator cannot run the Verilog clock gate and latch, so with ``clock_gate="none"``
(the style Amaranth simulations use) the same enables act as flop enables, and a latch word is
modelled cycle-exactly as a falling-edge register whose enable was registered at the rising
edge (what the gate's enable latch holds during the pulse). Synthesizing that style gives
falling-edge flip-flops, not a latch memory: the generator refuses ``latch`` without clock
gates.
"""

from __future__ import annotations

from amaranth import Cat, ClockDomain, ClockSignal, Const, Instance, Module, Signal, unsigned
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In
from amaranth.utils import ceil_log2

from ..resources import LATCH_MODULE
from .clock_gate import STYLES as CLOCK_GATE_STYLES
from .clock_gate import gated_domain
from .params import check_choice, check_positive_int
from .ports import ReadPortSignature, WritePortSignature
from .word_decoder import WordDecoder

MEMORY_STYLES = ("flop", "flop_gated", "latch")
"""Values of the generator option ``memory_style`` (see the module doc)."""

_LATCH_MODEL_DOMAIN = "latch_model"


class SparrowMemory(wiring.Component):
    """``depth`` words of ``width`` bits: a synchronous ``read`` port and, unless the memory is
    a ROM (``writable=False``), a ``write`` port with one enable per lane.

    Read: ``read.data`` shows word ``read.addr`` one clock after a cycle with ``read.en`` high,
    and holds while ``read.en`` is low (no switching when idle). Write: lane ``i`` (bits
    ``i*width/lanes ...``) of word ``write.addr`` takes ``write.data`` at the clock edge when
    ``write.en[i]`` is high. The write port may sit in its own (clock-gated) ``write_domain``,
    so the storage sees a clock edge only when written. ``style``: ``flop``, ``flop_gated`` or
    ``latch`` (module doc; the corner cases where they differ are listed there);
    ``clock_gate``: ``instance`` (per-word gates of the decoded styles are
    ``sparrow_clock_gate`` instances) or ``none`` (enables instead, for Amaranth's simulator).
    """

    def __init__(self, *, width: int, depth: int, init=(), lanes: int = 1,
                 writable: bool = True, write_domain: str = "sync", style: str = "flop",
                 clock_gate: str = "instance"):
        for name, value in (("width", width), ("depth", depth), ("lanes", lanes)):
            check_positive_int(name, value)
        check_choice("memory_style", style, MEMORY_STYLES)
        check_choice("clock_gate", clock_gate, CLOCK_GATE_STYLES)
        if width % lanes:
            raise ValueError(f"width {width} is not a multiple of lanes {lanes}")
        init = list(init)
        if len(init) > depth:
            raise ValueError(f"{len(init)} initial words for a depth of {depth}")
        if not writable and not init:
            raise ValueError("a ROM (writable=False) needs its contents in init")
        self._width, self._depth, self._lanes = width, depth, lanes
        self._init, self._writable = init, writable
        self._write_domain = write_domain
        self._style, self._clock_gate = style, clock_gate
        signature = {"read": In(ReadPortSignature(addr_bits=self.addr_bits, data_shape=width))}
        if writable:
            signature["write"] = In(WritePortSignature(addr_bits=self.addr_bits,
                                                       data_shape=width, lanes=lanes))
        super().__init__(signature)

    @property
    def addr_bits(self) -> int:
        return max(1, ceil_log2(self._depth))

    @property
    def width(self) -> int:
        return self._width

    @property
    def depth(self) -> int:
        return self._depth

    @property
    def style(self) -> str:
        return self._style

    @property
    def lane_bits(self) -> int:
        """Bits per lane: what one lane enable writes."""
        return self._width // self._lanes

    @property
    def bits(self) -> int:
        """Storage bits."""
        return self._width * self._depth

    @property
    def read_latency(self) -> int:
        """Cycles from a read request to its data."""
        return 1

    def _init_word(self, word: int) -> int:
        return int(self._init[word]) if word < len(self._init) else 0

    def elaborate(self, platform):
        m = Module()
        if self._style == "flop":
            self._behavioural(m)
            return m
        if self._writable:
            words = self._storage(m)
        else:
            words = [Const(self._init_word(w), self._width) for w in range(self._depth)]
        self._decoded_read(m, words)
        return m

    # ---- flop: the behavioural memory ------------------------------------------------------
    def _behavioural(self, m: Module) -> None:
        m.submodules.storage = storage = memory.Memory(
            shape=unsigned(self._width), depth=self._depth, init=self._init)
        rd = storage.read_port(domain="sync")
        m.d.comb += [rd.addr.eq(self.read.addr), rd.en.eq(self.read.en),
                     self.read.data.eq(rd.data)]
        if self._writable:
            wr = storage.write_port(domain=self._write_domain, granularity=self.lane_bits)
            m.d.comb += [wr.addr.eq(self.write.addr), wr.en.eq(self.write.en),
                         wr.data.eq(self.write.data)]

    # ---- decoded styles ------------------------------------------------------------------
    def _decoded_read(self, m: Module, words: list) -> None:
        addr = Signal(self.addr_bits, name="read_addr_q")
        with m.If(self.read.en):
            m.d.sync += addr.eq(self.read.addr)
        m.submodules.read_decoder = select = WordDecoder(addr_bits=self.addr_bits,
                                                         words=self._depth)
        m.d.comb += select.addr.eq(addr)
        terms = [word & select.onehot[w].replicate(self._width) for w, word in enumerate(words)]
        m.d.comb += self.read.data.eq(_or_tree(terms))

    def _storage(self, m: Module) -> list:
        """The words (one value each, lane 0 in the low bits), written per word and lane."""
        m.submodules.write_decoder = decoder = WordDecoder(addr_bits=self.addr_bits,
                                                           words=self._depth)
        m.d.comb += decoder.addr.eq(self.write.addr)
        latch = self._style == "latch"
        data = self.write.data
        if latch:
            # Registered once per memory: the latches close on a value that cannot move
            # while they are open (module doc).
            data = Signal(self._width, name="write_data_q", reset_less=True)
            with m.If(self.write.en.any()):
                m.d[self._write_domain] += data.eq(self.write.data)
            if self._clock_gate == "none":
                model = ClockDomain(_LATCH_MODEL_DOMAIN, clk_edge="neg", local=True,
                                    reset_less=True)
                m.domains += model
                m.d.comb += model.clk.eq(ClockSignal(self._write_domain))
        bits = self.lane_bits
        words = []
        for w in range(self._depth):
            lanes = []
            for lane in range(self._lanes):
                name = f"word{w}" if self._lanes == 1 else f"word{w}_lane{lane}"
                enable = Signal(name=f"{name}_we")
                m.d.comb += enable.eq(decoder.onehot[w] & self.write.en[lane])
                init = (self._init_word(w) >> (lane * bits)) & ((1 << bits) - 1)
                lanes.append(self._slice(m, name, enable, data[lane * bits:(lane + 1) * bits],
                                         init))
            words.append(Cat(*lanes))
        return words

    def _slice(self, m: Module, name: str, enable, data, init: int):
        """The storage of one word (or lane of a word), written with ``data`` when ``enable``
        was high in the cycle before the write edge."""
        bits = self.lane_bits
        parent = self._write_domain
        latch = self._style == "latch"
        if self._clock_gate == "none":
            q = Signal(bits, name=name, init=init, reset_less=True)
            if latch:
                # The gate's enable latch, closed during the pulse: a register here.
                pulse = Signal(name=f"{name}_pulse")
                m.d[parent] += pulse.eq(enable)
                with m.If(pulse):
                    m.d[_LATCH_MODEL_DOMAIN] += q.eq(data)
            else:
                with m.If(enable):
                    m.d[parent] += q.eq(data)
            return q
        domain = gated_domain(m, name, enable, self._clock_gate, parent=parent,
                              reset_less=True)
        if latch:
            q = Signal(bits, name=name)
            for bit in range(bits):
                m.submodules[f"{name}_latch{bit}"] = Instance(
                    LATCH_MODULE, p_INIT=Const(init >> bit & 1, 1),
                    i_en=ClockSignal(domain), i_d=data[bit], o_q=q[bit])
        else:
            # No enable mux: the word's clock runs only when it is written.
            q = Signal(bits, name=name, init=init, reset_less=True)
            m.d[domain] += q.eq(data)
        return q


def _or_tree(terms: list):
    """OR of ``terms`` as a balanced tree (depth log2 of their number)."""
    while len(terms) > 1:
        terms = [a | b for a, b in zip(terms[::2], terms[1::2])] + terms[len(terms) & ~1:]
    return terms[0]
