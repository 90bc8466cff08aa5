"""Summary of a model descriptor: shapes, parameters, operations, memories (``sparrow check``)."""

from __future__ import annotations

from typing import Any

from .descriptor import Model
from .golden import accumulator_bits, layer_traffic


def model_summary(model: Model, *, lanes: int = 1) -> dict[str, Any]:
    """Everything ``sparrow check`` reports, derived from the descriptor (units in the keys)."""
    layers = []
    for layer in model.layers:
        traffic = layer_traffic(layer, lanes)
        row: dict[str, Any] = {
            "name": layer.name, "kind": layer.kind,
            "role": "output" if layer.is_output else ("ann" if layer.index == 0 else
                                                      ("ssf" if layer.fires else "pool")),
            "in_shape": list(layer.in_shape), "out_shape": list(layer.out_shape),
            "taps": layer.taps, "weights": layer.n_weights, "params": layer.n_params,
            "macs": layer.macs, "weight_reads": traffic.weight_reads,
            "activation_reads": traffic.activation_reads,
            "activation_writes": traffic.activation_writes,
        }
        if layer.kind != "dense":
            row.update(kernel=layer.kernel, stride=layer.stride)
        if layer.kind == "conv1d":
            row["padding"] = layer.padding
        if layer.has_aux:
            row["aux_features"] = layer.aux_features
        if layer.has_weights:
            row.update(weight_bits=layer.weight_bits, bias_bits=layer.bias_bits,
                       accumulator_bits=accumulator_bits(model, layer))
        if layer.fires:
            th = sorted(set(int(t) for t in layer.theta))
            row["theta"] = th[0] if len(th) == 1 else [int(t) for t in layer.theta]
            row["fire"] = "shift" if layer.theta_is_pow2 else "compare-subtract"
        layers.append(row)
    return {
        "name": model.name,
        "timesteps": model.timesteps,
        "count_bits": model.count_bits,
        "input": {"channels": model.input.channels, "length": model.input.length,
                  "bits": model.input.bits, "signed": model.input.signed},
        "aux_input": None if model.aux_input is None else {
            "features": model.aux_input.features, "bits": model.aux_input.bits,
            "signed": model.aux_input.signed, "layer": model.aux_layer.name},
        "classes": model.num_classes,
        "layers": layers,
        "params": model.n_params,
        "weights": model.n_weights,
        "synaptic_ops_per_inference": model.macs,
        "weight_reads_per_inference": model.macs,
        "weight_memory_bits": model.weight_memory_bits,
        "activation_buffer_bits": model.activation_buffer_bits,
        "input_buffer_bits": model.input_buffer_bits,
        "lanes": lanes,
        "cycles_lower_bound": sum(r["activation_reads"] for r in layers),
    }


def format_summary(s: dict[str, Any]) -> str:
    inp = s["input"]
    lines = [
        f"model {s['name']}: T = {s['timesteps']} (counts 0..{s['timesteps']}, "
        f"{s['count_bits']} bits), input {inp['channels']} x {inp['length']} samples of "
        f"{inp['bits']}-bit {'signed' if inp['signed'] else 'unsigned'}, "
        f"{s['classes']} classes",
    ]
    aux = s["aux_input"]
    if aux is not None:
        lines.append(f"aux input: {aux['features']} values of {aux['bits']}-bit "
                     f"{'signed' if aux['signed'] else 'unsigned'}, joined at layer "
                     f"{aux['layer']} (V = b + W x + W_aux aux)")
    lines += [
        "",
        f"{'#':>2}  {'layer':<12}{'kind':<10}{'role':<7}{'in':>10}{'out':>10}{'taps':>7}"
        f"{'params':>9}{'MACs':>10}{'w bits':>7}{'acc bits':>9}  fire",
    ]
    for i, r in enumerate(s["layers"]):
        fire = ""
        if "theta" in r:
            fire = f"theta={r['theta']} ({r['fire']})"
        elif r["kind"] == "maxpool1d":
            fire = f"max over {r['kernel']}, stride {r['stride']}"
        elif r["role"] == "output":
            fire = "none: scores, argmax"
        if "aux_features" in r:
            fire += f" (+{r['aux_features']} aux)"
        lines.append(
            f"{i:>2}  {r['name']:<12}{r['kind']:<10}{r['role']:<7}"
            f"{'x'.join(map(str, r['in_shape'])):>10}{'x'.join(map(str, r['out_shape'])):>10}"
            f"{r['taps']:>7}{r['params']:>9}{r['macs']:>10}{r.get('weight_bits', '-'):>7}"
            f"{r.get('accumulator_bits', '-'):>9}  {fire}")
    lines += [
        "",
        f"parameters:                  {s['params']} ({s['weights']} weights + biases)",
        f"synaptic ops per inference:  {s['synaptic_ops_per_inference']} MACs "
        f"(= SSF weight reads: each weight once per use, independent of T)",
        f"weight memory:               {s['weight_memory_bits']} bits "
        f"({s['weight_memory_bits'] / 8192:.2f} KiB, weights + biases at their widths)",
        f"activation buffers:          {s['activation_buffer_bits']} bits "
        f"(ping-pong, 2 x largest hidden layer x {s['count_bits']}-bit counts)",
        f"input buffer:                {s['input_buffer_bits']} bits"
        + (" (samples + aux input)" if aux is not None else ""),
        f"estimated cycles:            >= {s['cycles_lower_bound']} per inference with "
        f"{s['lanes']} lane(s) (one activation read per cycle)",
    ]
    return "\n".join(lines)
