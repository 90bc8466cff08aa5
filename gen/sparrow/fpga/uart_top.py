"""The core behind a UART: the board-independent top of the FPGA prototype."""

from __future__ import annotations

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..hw.core import SparrowCore
from ..hw.memory import SparrowMemory
from ..hw.params import check_instance, check_positive_int
from ..hw.plan import HardwarePlan
from .frame_executor import FrameExecutor
from .frame_receiver import FrameReceiver
from .protocol import ProtocolLayout
from .response_sender import ResponseSender
from .uart_rx import UartReceiver, check_divisor
from .uart_tx import FRAME_BITS, UartTransmitter


class SparrowUartTop(wiring.Component):
    """UART receiver -> frame receiver (into the frame buffer) -> frame executor -> core, and
    executor -> response sender -> UART transmitter; protocol in :mod:`sparrow.fpga.protocol`.

    ``divisor``: clock cycles per UART bit. ``timeout_cycles``: the quiet time that ends an
    incomplete frame or an error's discard (more than two byte times). ``capacity``: payload
    bytes of the frame buffer (default: the protocol's, at least one inference's samples).
    The core runs without clock gates (``clock_gate="none"``: FPGA fabric has no gated clocks;
    the gates' enables become flip-flop enables, cycle for cycle the same behaviour).

    Ports: ``rx`` (in), ``tx`` (out), ``busy`` (the core is computing: an LED).
    """

    def __init__(self, plan: HardwarePlan, *, divisor: int, timeout_cycles: int,
                 capacity: int | None = None):
        check_instance("plan", plan, HardwarePlan)
        self._divisor = check_divisor(divisor)
        check_positive_int("timeout_cycles", timeout_cycles)
        if timeout_cycles <= 2 * FRAME_BITS * divisor:
            raise ValueError(f"timeout_cycles must exceed two byte times ({2 * FRAME_BITS} x "
                             f"divisor = {2 * FRAME_BITS * divisor} cycles), got "
                             f"{timeout_cycles}")
        self._plan = plan
        self._timeout = timeout_cycles
        self._layout = ProtocolLayout.from_plan(plan, capacity=capacity)
        super().__init__({"rx": In(1, init=1), "tx": Out(1, init=1), "busy": Out(1)})

    @property
    def layout(self) -> ProtocolLayout:
        return self._layout

    @property
    def plan(self) -> HardwarePlan:
        return self._plan

    def elaborate(self, platform):
        m = Module()
        lay = self._layout
        m.submodules.core = core = SparrowCore(self._plan, clock_gate="none")
        m.submodules.uart_rx = rx = UartReceiver(divisor=self._divisor)
        m.submodules.uart_tx = tx = UartTransmitter(divisor=self._divisor)
        m.submodules.receiver = receiver = FrameReceiver(layout=lay,
                                                         timeout_cycles=self._timeout)
        m.submodules.buffer = buffer = SparrowMemory(width=8, depth=lay.capacity)
        m.submodules.executor = executor = FrameExecutor(
            layout=lay, core_signature=core.signature, plan=self._plan)
        m.submodules.sender = sender = ResponseSender(layout=lay, plan=self._plan)

        m.d.comb += [rx.rx.eq(self.rx), self.tx.eq(tx.tx), self.busy.eq(core.busy),
                     receiver.framing_error.eq(rx.framing_error)]
        wiring.connect(m, rx.data, receiver.byte)
        wiring.connect(m, receiver.frame, executor.frame)
        wiring.connect(m, executor.core, core)
        wiring.connect(m, executor.response, sender.request)
        wiring.connect(m, sender.byte, tx.data)
        # The frame buffer: written by the receiver, read by the executor.
        wiring.connect(m, receiver.buffer, buffer.write)
        wiring.connect(m, executor.buffer, buffer.read)
        return m
