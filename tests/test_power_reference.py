"""The power engine against OpenSTA 2.6.0 on the three reference cases of
../shared/power-reference (OSU 0.18 µm): same netlist, same VCD, same liberty, same watts.

Within 5e-5 (relative), per group and in total: the reports print five significant digits,
so this is as close as they can be compared (measured: at most 2.5e-5 internal, 6e-6
switching, 5.0e-5 leakage). The engine reads the VCD itself; one extra test feeds it
OpenSTA's own per-pin activities (pin_activity.tsv) instead. Slews are compared with the
ones OpenSTA printed for every pin.
"""

import csv
import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from sparrow.power import Activity, GROUPS, Vectorless, compute_power, load_liberty
from sparrow.power.link import link_design
from sparrow.netlist import read_netlist
from sparrow.power.slew import compute_slews

REFERENCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "power-reference"
CASES = ["case_small", "case_array4", "case_array16"]
TOLERANCE = {"internal": 5e-5, "switching": 5e-5, "leakage": 5e-5, "total": 5e-5}


def case_dir(case: str) -> Path:
    folder = REFERENCE / case
    assert folder.is_dir(), f"reference data missing: {folder}"
    return folder


def reference(case: str, name: str = "reference_power.json") -> dict:
    return json.loads((case_dir(case) / name).read_text())


def table(case: str, name: str) -> dict[str, dict]:
    with gzip.open(case_dir(case) / name, "rt") as handle:
        return {row[next(iter(row))]: row for row in csv.DictReader(handle, delimiter="\t")}


@pytest.fixture(scope="module")
def library():
    return load_liberty()


@pytest.fixture(scope="module")
def vcd_activity():
    """Each case's VCD read once: every bit under the DUT scope."""
    cache = {}

    def get(case):
        if case not in cache:
            meta = reference(case, "case.json")
            cache[case] = Activity.from_vcd(case_dir(case) / "activity.vcd.gz",
                                            meta["vcd_scope"])
        return cache[case]
    return get


@pytest.fixture(scope="module")
def reports(library, vcd_activity):
    """Each case's power computed once from its VCD."""
    cache = {}

    def get(case):
        if case not in cache:
            meta = reference(case, "case.json")
            cache[case] = compute_power(case_dir(case) / "netlist.v", library, meta["top"],
                                        activity=vcd_activity(case),
                                        clock_period_ns=meta["clock_period_ns"])
        return cache[case]
    return get


def assert_matches(report_groups, report_total, ref: dict, label: str):
    for kind, tol in TOLERANCE.items():
        ours = getattr(report_total, f"{kind}_w")
        theirs = ref[f"{kind}_W"]
        assert ours == pytest.approx(theirs, rel=tol), f"{label} total {kind}"
    for group in GROUPS:
        if group not in ref["groups"]:
            continue
        for kind, tol in TOLERANCE.items():
            ours = getattr(report_groups[group], f"{kind}_w")
            theirs = ref["groups"][group][f"{kind}_W"]
            assert ours == pytest.approx(theirs, rel=tol, abs=1e-15), f"{label} {group} {kind}"


@pytest.mark.parametrize("case", CASES)
def test_power_from_vcd_matches_opensta(reports, case):
    report = reports(case)
    assert_matches(report.groups, report.total, reference(case), case)


@pytest.mark.parametrize("case", CASES)
def test_every_cell_pin_is_annotated(reports, case):
    report = reports(case)
    meta = reference(case, "case.json")
    assert report.annotated_fraction == 1.0
    breakdown = meta["annotated_pins_breakdown"]
    assert report.total_pins == breakdown["cell_pins_input"] + breakdown["cell_pins_output"]


@pytest.mark.parametrize("case", CASES)
def test_energy_sum_equals_power_times_window(reports, case):
    report = reports(case)
    meta = reference(case, "case.json")
    window = meta["cycles"] * meta["clock_period_ns"] * 1e-9
    assert report.window_s == pytest.approx(window, rel=1e-12)
    assert report.energy_j == pytest.approx(report.total_w * window, rel=0.01)


@pytest.mark.parametrize("case", CASES)
def test_instances_match_opensta(reports, case):
    """Per instance, power within 1 % of OpenSTA's for every instance above 1 nW."""
    report = reports(case)
    ref = table(case, "instance_power.tsv.gz")
    assert set(ref) == set(report.instances)
    for i, name in enumerate(report.instances):
        row = ref[name]
        assert report.cells[i] == row["cell"]
        for kind, ours in (("internal", report.internal_w[i]),
                           ("switching", report.switching_w[i]),
                           ("leakage", report.leakage_w[i])):
            theirs = float(row[f"{kind}_W"])
            assert ours == pytest.approx(theirs, rel=0.01, abs=1e-9), f"{name} {kind}"


@pytest.mark.parametrize("case", ["case_small", "case_array4"])
def test_power_from_opensta_activities(library, case):
    """OpenSTA's own pin activities (pin_activity.tsv) give OpenSTA's power too."""
    meta = reference(case, "case.json")
    activity = Activity.from_pin_table(case_dir(case) / "pin_activity.tsv.gz",
                                       meta["clock_period_ns"] * 1e-9)
    report = compute_power(case_dir(case) / "netlist.v", library, meta["top"],
                           activity=activity, clock_period_ns=meta["clock_period_ns"])
    assert report.annotated_fraction == 1.0
    assert_matches(report.groups, report.total, reference(case), case)


@pytest.mark.parametrize("case", CASES)
def test_vcd_counts_match_opensta(vcd_activity, case):
    """Transitions exactly, duty to the table's 4 decimals, for every annotated pin."""
    meta = reference(case, "case.json")
    activity = vcd_activity(case)
    rows = table(case, "pin_activity.tsv.gz")
    assert len(rows) == meta["annotated_pins"]
    for name, row in rows.items():
        assert name in activity.names, name
        k = activity.names[name]
        assert activity.transitions[k] == float(row["transitions"]), name
        assert activity.duty[k] == pytest.approx(float(row["duty"]), abs=5.1e-5), name


def test_compute_power_reads_the_vcd_itself(library):
    """The vcd= path of compute_power (the flow's call) gives the same result."""
    case = "case_small"
    meta = reference(case, "case.json")
    report = compute_power(case_dir(case) / "netlist.v", [library.files[0]], meta["top"],
                           vcd=case_dir(case) / "activity.vcd.gz", scope=meta["vcd_scope"],
                           clock_period_ns=meta["clock_period_ns"])
    assert_matches(report.groups, report.total, reference(case), case)
    metrics = report.to_dict()
    assert metrics["power__total"] == pytest.approx(reference(case)["total_W"], rel=0.02)
    assert metrics["power__internal__total"] + metrics["power__switching__total"] + \
        metrics["power__leakage__total"] == pytest.approx(metrics["power__total"], rel=1e-12)
    assert metrics["power__annotated__fraction"] == 1.0


@pytest.mark.parametrize("case", CASES)
def test_slews_match_opensta(library, case):
    """Achieved: every pin within 0.2 ps and 0.2 %; 99.9 % of pins within the printed
    precision (1e-6 ns) or 1e-5 relative."""
    meta = reference(case, "case.json")
    design = link_design(read_netlist(case_dir(case) / "netlist.v", meta["top"]), library)
    slews = compute_slews(design)
    rows = table(case, "pin_activity.tsv.gz")
    ours, theirs = [], []
    for pin in range(design.pin_count):
        row = rows[design.pin_label(pin)]
        ours.append(slews.pin[pin] * 1e9)
        theirs.append((float(row["slew_rise_ns"]), float(row["slew_fall_ns"])))
    ours, theirs = np.array(ours), np.array(theirs)
    error = np.abs(ours - theirs)
    relative = error / np.maximum(theirs, 1e-3)
    assert error.max() < 2e-4
    assert relative.max() < 2e-3
    close = (error <= 2e-6) | (relative <= 1e-5)
    assert close.all(axis=1).mean() >= 0.999


@pytest.mark.parametrize("case", CASES)
def test_vectorless_global_matches_opensta(library, case):
    """set_power_activity -global -activity 0.1 -duty 0.5 (no propagation)."""
    meta = reference(case, "case.json")
    report = compute_power(case_dir(case) / "netlist.v", library, meta["top"],
                           activity=Vectorless(0.1, 0.5, "global"),
                           clock_period_ns=meta["clock_period_ns"])
    ref = reference(case, "reference_vectorless.json")["also_global_activity_0.1"]
    assert_matches(report.groups, report.total, ref, case)
    assert report.energy_j is None


@pytest.mark.parametrize("case", ["case_small", "case_array4"])
def test_vectorless_propagated_is_close_to_opensta(library, case):
    """-input 0.1 propagated. Our propagation iterates the register outputs to their fixed
    point; OpenSTA 2.6.0 stops its passes earlier, so the two differ by 2-3.5 %."""
    meta = reference(case, "case.json")
    report = compute_power(case_dir(case) / "netlist.v", library, meta["top"],
                           activity=Vectorless(0.1, 0.5, "input"),
                           clock_period_ns=meta["clock_period_ns"])
    ref = reference(case, "reference_vectorless.json")
    assert report.leakage_total_w == pytest.approx(ref["leakage_W"], rel=0.005)
    assert report.internal_total_w == pytest.approx(ref["internal_W"], rel=0.05)
    assert report.switching_total_w == pytest.approx(ref["switching_W"], rel=0.05)


def test_windows_split_the_energy(library, reports):
    """Switching energy is additive over adjacent windows (each transition lies in exactly
    one half-open window); the whole-file window equals the default."""
    case = "case_small"
    meta = reference(case, "case.json")
    end_ns = meta["vcd"]["t_max_ns"]

    def run(window):
        return compute_power(case_dir(case) / "netlist.v", library, meta["top"],
                             vcd=case_dir(case) / "activity.vcd.gz", scope=meta["vcd_scope"],
                             clock_period_ns=meta["clock_period_ns"], window_ns=window)
    whole, first, second = run((0, end_ns)), run((0, end_ns / 2)), run((end_ns / 2, end_ns))
    default = reports(case)
    assert whole.total_w == pytest.approx(default.total_w, rel=1e-12)
    assert first.window_s + second.window_s == pytest.approx(whole.window_s)
    switching = [r.switching_energy_j.sum() for r in (whole, first, second)]
    assert switching[1] + switching[2] == pytest.approx(switching[0], rel=1e-12)
    assert first.energy_j + second.energy_j == pytest.approx(whole.energy_j, rel=0.01)
