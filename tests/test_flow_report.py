"""The run report from a metrics document: units on every number, power plots when power
metrics are present."""

from __future__ import annotations

from sparrow.report import format_value, write_report


def test_values_carry_units_with_si_prefixes_for_power():
    assert format_value(1.04e-4, "W") == "104 µW"
    assert format_value(3.139e-8, "J") == "31.39 nJ"
    assert format_value(2698, "cells") == "2,698 cells"
    assert format_value(246.107483, "ns") == "246.107 ns"
    assert format_value("_1026_", "") == "_1026_"
    assert format_value(2.90625e-05, "s") == "29.06 µs"
    assert format_value(False, "") == "no"
    assert format_value(["a", "b"], "") == "a; b" and format_value([], "") == "none"


def test_headline_formats():
    from sparrow.report.values import format_percent, format_short, format_slack, si_scale
    assert format_short(7.874438, "MHz") == "7.874 MHz"
    assert format_short(512659.0, "µm²") == "512,659 µm²"
    assert format_percent(0.1234) == "12.3 %" and format_percent(2e-6) == "0.0002 %"
    assert format_percent(0.0) == "0 %"
    assert format_slack(-18.2) == "-18.2 ns" and format_slack(123.006803) == "+123 ns"
    assert si_scale(4e-8, "J") == (1e-9, "nJ") and si_scale(4e-8, "µm²") == (1.0, "µm²")
    assert si_scale(0.0, "W") == (1.0, "W")


def test_power_metrics_get_tables_and_plots(tmp_path):
    metrics = {"power__total": 1.04e-4, "power__total__group:Sequential": 6.0e-5,
               "power__total__group:Combinational": 4.4e-5,
               "power__total__block:core.lanes": 7.0e-5, "power__total__block:core.ctrl": 3.4e-5}
    doc = {"flow": "t", "sparrow_version": "0", "steps": [], "metrics": metrics,
           "units": {k: "W" for k in metrics}, "descriptions": {k: "d" for k in metrics},
           "sources": {k: "power step (05-power/)" for k in metrics}}
    md, page = write_report(tmp_path, doc)
    text = md.read_text()
    assert "| power__total | 104 µW | d | power step (05-power/) |" in text
    assert "(plots/power_group.png)" in text and "(plots/power_block.png)" in text
    assert (tmp_path / "plots" / "power_block.png").stat().st_size > 1000
    assert "104 µW" in page.read_text()


# --- the report as a person reads it, from a synthetic metrics document -------------------

import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from html.parser import HTMLParser  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from sparrow.errors import SparrowError  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
REASONS = ["setup slack -18.2 ns at 1 ns clock", "12 max-transition violators"]
ZERO = {"lanes": 1.5e-8, "activation buffers": 2.0e-8, "controller": 0.5e-8}
TIMED = {"lanes": 1.9e-8, "activation buffers": 2.1e-8, "controller": 0.6e-8}
UNITS = {"design__instance__area": "µm²", "design__instance__area__kge": "kGE",
         "design__instance__count": "cells", "timing__fmax": "MHz",
         "timing__clock_period": "ns", "timing__setup__ws": "ns", "timing__hold__ws": "ns",
         "rtl_sim__inferences": "inferences", "gatesim__inferences": "inferences",
         "inference__count": "inferences", "inference__rate": "Hz", "inference__time": "s",
         "design__max_cap_violation__count": "pins", "design__max_slew_violation__count": "pins",
         "design__max_fanout_violation__count": "pins", "clock__skew__worst_setup": "ns",
         "design__instance__count__clock_buffer": "cells", "design__repair__buffers": "cells",
         "design__repair__nets": "nets", "design__instance__area__cell": "µm²",
         "design__instance__count__cell": "cells"}


def synthetic_doc(**changes) -> dict:
    """A run's metrics document as the flow writes it: a 1 ns clock run that fails sign-off
    (setup slack, slew violators), with timed energies and an idle window. ``changes``
    replace metrics (None removes one)."""
    m = {
        "flow__signoff": False, "flow__signoff__reasons": REASONS,
        "design__instance__area": 512659.0, "design__instance__area__kge": 21.36,
        "design__instance__count": 15561, "design__instance__area__cell:DFFPOSX1": 136512.0,
        "design__instance__area__cell:NAND2X1": 63168.0,
        "design__instance__count__cell:DFFPOSX1": 1422,
        "design__instance__count__cell:NAND2X1": 2632,
        "timing__clock_period": 1.0, "timing__setup__ws": -18.2, "timing__hold__ws": 0.05,
        "timing__fmax": 51.8, "design__max_cap_violation__count": 0,
        "timing__clock__propagated": True, "timing__unclocked_register__count": 0,
        "design__max_slew_violation__count": 12, "design__max_fanout_violation__count": 0,
        "clock__skew__worst_setup": 0.21, "design__instance__count__clock_buffer": 37,
        "design__repair__buffers": 120, "design__repair__nets": 45,
        "power__extrapolated__fraction": 0.031, "power__below_range__fraction": 0.002,
        "rtl_sim__inferences": 2, "gatesim__inferences": 2, "inference__count": 2,
        "inference__energy": 4.6e-8, "inference__energy__zero_delay": 4.0e-8,
        "power__activity__timed": True,
        "power__glitch__fraction": 1 - 40 / 46, "inference__time": 2.9e-5,
        "inference__rate": 1.2, "power__average": 1.003e-6,
        "power__average__assumption": "clock running, gates closed, samples arriving at "
                                      "1.2 Hz (idle window)",
        "power__idle__total": 9.0e-7, "power__average__clock_stopped": 9.6e-7,
        "power__leakage__total": 9.5e-7, "power__total": 1.39e-3,
        "power__total__group:Combinational": 7.86e-4, "power__total__group:Sequential": 3.49e-4,
        "power__total__group:Clock": 2.55e-4,
    }
    for block in ZERO:
        m[f"inference__energy__block:{block}"] = TIMED[block]
        m[f"inference__energy__zero_delay__block:{block}"] = ZERO[block]
        m[f"power__glitch__fraction__block:{block}"] = 1 - ZERO[block] / TIMED[block]
    m["power__extrapolated__fraction__block:lanes"] = 0.09
    for name, value in changes.items():
        if value is None:
            m.pop(name, None)
        else:
            m[name] = value
    unit = lambda k: UNITS.get(k.partition(":")[0], "W" if k.startswith("power__") and    # noqa: E731
                               "fraction" not in k and "assumption" not in k else
                               "J" if k.startswith("inference__energy") else "")
    return {"flow": "sparrow flow", "sparrow_version": "0", "notes": {"library": "osu018",
                                                                      "inputs": "2 MIT-BIH beats"},
            "steps": [{"id": "sparrow.power", "dir": "06-sparrow-power", "name": "Power",
                       "status": "ran"}],
            "metrics": m, "units": {k: unit(k) for k in m},
            "descriptions": {k: "meaning" for k in m},
            "sources": {k: "a step (0N-step/)" for k in m}}


class Outline(HTMLParser):
    """The body of a report page as a list of its top-level blocks: (tag, class, text) plus,
    for each, the cards (label, value, note) and figures (src, caption) inside it."""

    def __init__(self, page: str):
        super().__init__()
        self.blocks: list[dict] = []
        self.depth, self.path = 0, []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("br", "img", "meta"):
            if tag == "img" and self.blocks:
                self.blocks[-1]["figures"].append([a["src"], ""])
            return
        self.path.append((tag, a.get("class", "")))
        if len(self.path) < 3 or self.path[1][0] != "body":
            return
        if len(self.path) == 3:                          # html > body > block
            self.blocks.append({"tag": tag, "class": a.get("class", ""), "text": "",
                                "cards": [], "figures": []})
        elif a.get("class") == "card":
            self.blocks[-1]["cards"].append({})

    def handle_endtag(self, tag):
        if tag not in ("br", "img", "meta") and self.path:
            self.path.pop()

    def handle_data(self, data):
        if len(self.path) < 3 or self.path[1][0] != "body":
            return
        block = self.blocks[-1]
        block["text"] += data
        tag, cls = self.path[-1]
        if cls in ("label", "value", "note"):
            block["cards"][-1][cls] = block["cards"][-1].get(cls, "") + data
        if tag == "figcaption":
            block["figures"][-1][1] += data


NUMBER_WITH_UNIT = re.compile(r"^[+-]?[\d,.]+ [^\s\d]+$")


def _render(tmp_path, doc) -> tuple[list[dict], str]:
    md, page = write_report(tmp_path, doc)
    return Outline(page.read_text()).blocks, md.read_text()


def test_report_opens_with_the_not_signoff_verdict_then_the_answer(tmp_path):
    blocks, md = _render(tmp_path, synthetic_doc())
    assert blocks[0]["tag"] == "h1"
    banner, lead, cards = blocks[1], blocks[2], next(b for b in blocks if b["cards"])
    assert banner["tag"] == "p" and banner["class"] == "banner fail"
    assert banner["text"] == ("NOT A SIGN-OFF RESULT: setup slack -18.2 ns at 1 ns clock; "
                              "12 max-transition violators")
    assert lead["class"] == "lead" and "40 nJ" in lead["text"] and "46 nJ" in lead["text"]
    assert "1.003 µW" in lead["text"] and "1.2 Hz" in lead["text"]
    assert blocks[3]["text"] == "Library: osu018; inputs: 2 MIT-BIH beats."
    # markdown: the verdict right under the title, before any other number
    lines = [line for line in md.splitlines() if line]
    assert lines[1] == f"> **NOT A SIGN-OFF RESULT: {'; '.join(REASONS)}**"
    assert lines[2].startswith("**One inference costs 46 nJ with cell delays (40 nJ in a "
                               "zero-delay simulation)")

    shown = {c["label"]: c["value"] for c in cards["cards"]}
    assert shown == {"energy per inference": "46 nJ", "average power at 1.2 Hz": "1.003 µW",
                     "area": "512,659 µm²", "fmax": "51.8 MHz",
                     "bit-exact, RTL": "2 inferences", "bit-exact, gate level": "2 inferences",
                     "sign-off": "not a sign-off result"}
    for card in cards["cards"]:           # every number in the summary carries its unit
        if re.search(r"\d", card["value"]):
            assert NUMBER_WITH_UNIT.match(card["value"]), card
    notes = {c["label"]: c["note"] for c in cards["cards"]}
    assert notes["average power at 1.2 Hz"] == ("between inferences: clock running, gates "
                                                 "closed, samples arriving at 1.2 Hz (idle "
                                                 "window)")
    assert notes["sign-off"] == "8 of 8 checks measured, 3 failed (see Sign-off)"


def test_signoff_section_comes_before_every_plot_and_the_metric_table_last(tmp_path):
    blocks, _ = _render(tmp_path, synthetic_doc())
    h2 = [(i, b["text"]) for i, b in enumerate(blocks) if b["tag"] == "h2"]
    assert h2[0][1] == "Sign-off" and h2[-1][1] == "All metrics"
    plots = [i for i, b in enumerate(blocks) if b["figures"]]
    assert plots and h2[0][0] < plots[0]
    # the check table: failing rows say FAIL, with the value and its unit
    table = blocks[h2[0][0] + 4]
    assert "max transition violators12 pins0 pinsFAIL" in table["text"]
    assert "worst setup slack-18.2 ns≥ 0 nsFAIL" in table["text"]
    assert "power table look-ups above the tables' range3.1 %≤ 0.1 %FAIL" in table["text"]
    assert "clocks propagated through the clock treesyesyespass" in table["text"]
    blocks, _ = _render(tmp_path, synthetic_doc(timing__clock__propagated=False))
    assert "clocks propagated through the clock treesnoyesFAIL" in blocks[h2[0][0] + 4]["text"]
    assert "max capacitance violators0 pins0 pinspass" in table["text"]
    # a unit the document leaves empty comes from the registry (metrics.METRICS)
    assert "unclocked register pins0 pins0 pinspass" in table["text"]
    reasons = blocks[h2[0][0] + 2]
    assert reasons["tag"] == "ul" and reasons["text"] == "".join(REASONS)
    text = "".join(b["text"] for b in blocks)
    assert "clock skew, worst setup check0.21 ns" in text
    assert "clock skew, worst hold checknot measured" in text      # absent: never a fake 0
    assert "whole core40 nJ46 nJ13 %" in text
    assert "lanes15 nJ19 nJ21.1 %" in text
    # energy by block, with where the power engine read beyond its tables
    assert "lanes19 nJ41.3 %9 %" in text and "controller6 nJ13 %not measured" in text


def test_plots_have_units_on_their_axes_and_captions(tmp_path):
    blocks, _ = _render(tmp_path, synthetic_doc())
    figures = dict(f for b in blocks for f in b["figures"])
    expected = {"plots/energy_block.png": ("energy per inference (nJ)", "nJ"),
                "plots/energy_timed_block.png": ("energy per inference (nJ)", "nJ"),
                "plots/power_group.png": ("power over the inference window (µW)", "µW"),
                "plots/cell_area.png": ("cell area (µm²)", "µm²"),
                "plots/slack.png": ("time (ns, OpenSTA)", "ns")}
    assert set(figures) == set(expected)
    for src, (axis, unit) in expected.items():
        assert figures[src].endswith(unit), (src, figures[src])
        with Image.open(tmp_path / src) as png:
            assert png.text["Description"] == axis, src
            assert png.size[0] > 400


def test_signed_off_and_unchecked_runs_say_so(tmp_path):
    blocks, md = _render(tmp_path, synthetic_doc(
        flow__signoff=True, flow__signoff__reasons=[], timing__setup__ws=0.3,
        design__max_slew_violation__count=0, power__extrapolated__fraction=0.0005))
    assert blocks[1]["class"] == "banner pass"
    assert "NOT A SIGN-OFF" not in md and "FAIL" not in md
    blocks, md = _render(tmp_path, synthetic_doc(flow__signoff=None,
                                                 flow__signoff__reasons=None))
    assert blocks[1]["class"] == "banner unknown"
    assert blocks[1]["text"].startswith("SIGN-OFF NOT CHECKED")


def test_idle_power_states_its_assumption_and_shows_both(tmp_path):
    _, md = _render(tmp_path, synthetic_doc())
    assert ("power__average assumes, between inferences: clock running, gates closed, samples "
            "arriving at 1.2 Hz (idle window).") in md
    assert "| idle power: clock running, gates closed, no sample offered | 900 nW |" in md
    assert "| average power if the clock stopped between inferences (leakage only) | 960 nW |" \
        in md
    _, md = _render(tmp_path, synthetic_doc(power__average__assumption=None,
                                            power__idle__total=None))
    assert "does not record which idle assumption power__average used" in md
    assert "| idle power: clock running, gates closed, no sample offered | not measured |" in md


def test_a_run_without_power_has_no_made_up_energy(tmp_path):
    doc = synthetic_doc(**{k: None for k in synthetic_doc()["metrics"]
                           if k.startswith(("inference__energy", "power__"))})
    blocks, md = _render(tmp_path, doc)
    assert blocks[2]["text"] == "Energy per inference: not measured (this run has no power " \
                                "results)."
    cards = {c["label"]: c["value"] for b in blocks for c in b["cards"]}
    assert cards["energy per inference"] == "not measured"
    assert "## Energy per inference" not in md and "plots/power_group.png" not in md


@pytest.mark.parametrize("change, message", [
    ({"metrics": [1, 2]}, "'metrics' must be an object, it is a list"),
    ({"metrics": None}, "'metrics' must be an object, it is missing"),
    ({"steps": [{"id": "x"}]}, "'steps' must be a list of objects"),
    ({"metrics": {"inference__energy": "40 nJ"}},
     "metric inference__energy is '40 nJ', expected a finite number (J)"),
    ({"metrics": {"flow__signoff": False, "flow__signoff__reasons": "slack"}},
     "metric flow__signoff__reasons is 'slack', expected a list of strings"),
    ({"metrics": {"flow__signoff": "no"}}, "metric flow__signoff is 'no', expected true or false"),
])
def test_a_malformed_document_is_one_clear_error(tmp_path, change, message):
    doc = {**synthetic_doc(), **change}
    doc["units"] = {k: "J" for k in doc["metrics"]} if isinstance(doc["metrics"], dict) else {}
    with pytest.raises(SparrowError, match=re.escape(message)):
        write_report(tmp_path, doc)
    (tmp_path / "metrics.json").write_text("{not json")
    with pytest.raises(SparrowError, match="no readable metrics.json"):
        write_report(tmp_path)


def test_report_bench_without_chromium_says_how_to_install_it(tmp_path):
    (tmp_path / "metrics.json").write_text(json.dumps(synthetic_doc()))
    done = subprocess.run([sys.executable, str(REPO / "bench" / "report.py"), str(tmp_path)],
                          capture_output=True, text=True, env={"PATH": str(tmp_path)})
    assert done.returncode == 1
    assert "sudo apt-get install chromium" in done.stderr and "Traceback" not in done.stderr


def test_the_command_line_verdict_is_the_reports_first_line(tmp_path):
    from sparrow.report import signoff_verdict
    doc = synthetic_doc()
    blocks, _ = _render(tmp_path, doc)
    assert signoff_verdict(doc["metrics"]) == blocks[1]["text"]
    assert signoff_verdict({}).startswith("SIGN-OFF NOT CHECKED")
