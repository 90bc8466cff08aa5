"""The ``if`` core: the SSF core's datapath run once per timestep, with integrate-and-fire
neurons whose membranes live in a memory (schedule, encoder and memory layout:
:mod:`sparrow.hw.if_plan`).

Everything up to the lanes is the SSF core's (:class:`~sparrow.hw.core.SparrowCore`): the
sample, result, config and perf interfaces, the input buffer, the layer controller (stepping
through ``T`` steps per layer), the weight buffer, the PE lanes and the ping-pong banks (one
bit per neuron and step). The fire stage differs:

* in the cycle a group's last tap accumulates (stage B), the membrane memory reads the group's
  word (not at step 0, which starts from 0);
* in the fire cycle (stage C) the units (:class:`~sparrow.hw.if_neuron.IfNeuronUnits`) add the
  lanes' current, fire and subtract; the new membranes are written back (not at the last step,
  whose membranes nobody reads) and the spikes written to word ``write_base + out_addr`` of the
  destination bank;
* a pooling layer's tap spikes go to the units' collector instead of the lanes;
* the output layer's membranes after its last step are the scores.

The membrane memory's storage sits in domain ``membranes_wr``, clocked only by its writes.
"""

from __future__ import annotations

from amaranth import Array, Const, DomainRenamer, Module, ResetSignal, Signal

from .clock_gate import gated_domain
from .core import FireOutputs, FireTaps, SparrowCore, fire_param_bits, fire_param_table
from .if_neuron import IfMode, IfNeuronUnits
from .if_plan import IfPlan
from .memory import SparrowMemory
from .params import check_instance

IF_MODES = {"if": IfMode.FIRE, "none": IfMode.INTEGRATE, "max": IfMode.POOL}


class IfCore(SparrowCore):
    """One generated integrate-and-fire core for an :class:`~sparrow.hw.if_plan.IfPlan`."""

    variant = "if"
    pool_in_lanes = False

    def __init__(self, plan: IfPlan, *, clock_gate: str = "instance"):
        check_instance("plan", plan, IfPlan)
        super().__init__(plan, clock_gate=clock_gate)

    def _fire(self, m: Module, taps: FireTaps) -> FireOutputs:
        plan = self._plan
        rows = plan.layers
        ctrl = taps.ctrl
        layer = ctrl.layer
        p = plan.lanes
        first_step, last_step = Signal(), Signal()
        m.d.comb += [first_step.eq(ctrl.step == 0), last_step.eq(ctrl.step == plan.steps - 1)]

        mem_write = Signal()
        mem_domain = gated_domain(m, "membranes_wr", mem_write | ResetSignal("sync"),
                                  self._clock_gate)
        m.submodules.membranes = mem = DomainRenamer(taps.core)(SparrowMemory(
            width=p * plan.membrane_bits, depth=plan.membrane_words, write_domain=mem_domain,
            style=plan.memory_style, clock_gate=self._clock_gate))
        collect = Signal()
        param_bits = fire_param_bits(plan, ("if",))
        m.submodules.neurons = neurons = DomainRenamer(taps.gated("neurons", collect))(
            IfNeuronUnits(lanes=p, accumulator_bits=plan.accumulator_bits,
                          membrane_bits=plan.membrane_bits, count_bits=plan.count_bits,
                          taps=max(1, plan.pool_taps), param_bits=param_bits))
        params = fire_param_table(plan, param_bits, ("if",))
        m.d.comb += [
            # Stage B: the group's membranes are read as its last tap accumulates.
            mem.read.addr.eq(taps.b_out),
            mem.read.en.eq(taps.b_issue & taps.b_last & ~first_step),
            collect.eq(taps.b_issue & ctrl.pool),
            neurons.collect.eq(collect),
            neurons.first.eq(taps.b_first),
            neurons.word.eq(taps.b_word.as_value()),
            # Stage C: fire, write the membranes back.
            neurons.mode.eq(Array(Const(IF_MODES[l.fire].value, IfMode.as_shape())
                                  for l in rows)[layer]),
            neurons.fresh.eq(first_step),
            neurons.acc.eq(taps.lanes.acc),
            neurons.membrane.eq(mem.read.data),
            mem_write.eq(taps.c_start & ~last_step),
            mem.write.addr.eq(taps.c_out),
            mem.write.data.eq(neurons.state.as_value()),
            mem.write.en.eq(mem_write),
        ]
        for lane in range(p):
            m.d.comb += neurons.threshold[lane].eq(params[lane][layer][taps.c_group])
        return FireOutputs(write_addr=ctrl.write_base + taps.c_out, write_data=neurons.spikes,
                           write_en=taps.c_start & ~taps.is_output, scores=neurons.state,
                           write_scores=taps.c_start & taps.is_output & last_step,
                           busy=Const(0))    # an IF fire finishes in its start cycle
