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
