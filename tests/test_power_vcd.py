"""The numpy VCD reader against a plain line-by-line reader written here from the counting
rules (OpenSTA's: first record sets the value, later changes count 1 or 0.5 with X/Z, time at
1 accumulates between records), on random and hand-made VCDs."""

import gzip
import random

import numpy as np
import pytest

from sparrow.power import VcdFile, read_vcd
from sparrow.power import vcd as vcd_module


def simple_counts(text: str, scope: list[str], window=None):
    """Reference reader: returns {name: (transitions, high_ticks)}, t0, t1 (ticks)."""
    stack, vars_, names = [], {}, {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        words = lines[i].split()
        i += 1
        if not words:
            continue
        if words[0] == "$scope":
            stack.append(words[2])
        elif words[0] == "$upscope":
            stack.pop()
        elif words[0] == "$var":
            width, ident, name = int(words[2]), words[3], words[4]
            if stack[:len(scope)] == scope:
                rel = "/".join(stack[len(scope):] + [name])
                if width == 1:
                    names[rel] = (ident, 0)
                else:
                    msb, lsb = (int(x) for x in words[5].strip("[]").split(":"))
                    for pos, bit in enumerate(range(msb, lsb - 1, -1)):
                        names[f"{rel}[{bit}]"] = (ident, width - 1 - pos)
                vars_[ident] = width
        elif words[0] == "$enddefinitions":
            break
    state = {}          # (ident, bit) -> [value, time, transitions, high]
    now = None
    first = None
    in_comment = False
    for line in lines[i:]:
        word = line.strip()
        if in_comment:
            in_comment = not word.endswith("$end")
            continue
        if word == "$comment":
            in_comment = True
            continue
        if not word or word.startswith("$"):
            continue
        if word[0] == "#":
            now = int(word[1:])
            first = now if first is None else first
            continue
        if word[0] in "bB":
            digits, ident = word[1:].split()
            width = vars_.get(ident)
            if width is None:
                continue
            fill = digits[0] if digits[0] in "xXzZ" else "0"
            digits = digits.rjust(width, fill)
            values = {bit: digits[width - 1 - bit] for bit in range(width)}
        else:
            values = {0: word[0]}
            ident = word[1:]
        for bit, value in values.items():
            value = {"X": "x", "Z": "z"}.get(value, value)
            if window is not None and now > window[1]:
                continue
            entry = state.setdefault((ident, bit), None)
            if entry is None:
                state[(ident, bit)] = [value, now, 0.0, 0]
                continue
            prev, prev_t, count, high = entry
            lo = window[0] if window else -(10 ** 18)
            if prev == "1":
                high += max(now, lo) - max(prev_t, lo)
            if value != prev and (window is None or now > window[0]):
                count += 0.5 if (value in "xz" or prev in "xz") else 1.0
            state[(ident, bit)] = [value, now, count, high]
    t0, t1 = (first, now) if window is None else window
    out = {}
    for name, key in names.items():
        entry = state.get(key)
        if entry is None:
            out[name] = (0.0, 0)
            continue
        value, t, count, high = entry
        lo = t0 if window else -(10 ** 18)
        if value == "1":
            high += t1 - max(t, lo)
        out[name] = (count, high)
    return out, t0, t1


def random_vcd(seed: int, steps: int = 300) -> str:
    rng = random.Random(seed)
    # Identifiers that start like tokens of other kinds: '#', '$', 'b', '0'.
    idents = ["!", "#", "$a", "b", "0x", "1", "%&", "B", "r!", "{"]
    widths = [1, 1, 1, 1, 4, 1, 3, 1, 1, 8]
    header = ["$date today $end", "$timescale 10ps $end", "$scope module tb $end",
              "$var wire 1 ~ other $end", "$scope module dut $end"]
    for k, (ident, width) in enumerate(zip(idents, widths)):
        rng_text = f" [{width - 1}:0]" if width > 1 else ""
        header.append(f"$var wire {width} {ident} s{k}{rng_text} $end")
    header += ["$scope module u1 $end", "$var wire 1 ! A $end", "$upscope $end",
               "$upscope $end", "$upscope $end", "$enddefinitions $end"]
    body = ["#0", "$dumpvars"]
    for ident, width in zip(idents, widths):
        body.append(f"b{''.join(rng.choice('01') for _ in range(width))} {ident}"
                    if width > 1 else f"{rng.choice('01x')}{ident}")
    body.append("$end")
    t = 0
    for _ in range(steps):
        t += rng.choice([1, 5, 17])
        body.append(f"#{t}")
        if rng.random() < 0.1:
            body += ["$comment", "b1 #0 words $end", "$end"]
        for ident, width in zip(idents, widths):
            if rng.random() < 0.4:
                if width > 1:
                    value = format(rng.randrange(1 << width), "b")
                    if rng.random() < 0.1:
                        value = "x" + value[1:]
                    body.append(f"b{value} {ident}")
                else:
                    body.append(f"{rng.choice('0011xz')}{ident}")
        body.append(f"1~")
    return "\n".join(header + body) + "\n"


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("window", [None, (300, 1200)])
def test_reader_matches_line_reader(tmp_path, monkeypatch, seed, window):
    text = random_vcd(seed)
    path = tmp_path / "a.vcd"
    path.write_text(text)
    # Small chunks exercise the carry of state and time across chunk boundaries.
    monkeypatch.setattr(vcd_module, "_CHUNK", 97 + 31 * seed)
    expected, t0, t1 = simple_counts(text, ["tb", "dut"], window)
    scale = 10e-12
    window_s = None if window is None else (window[0] * scale, window[1] * scale)
    got = read_vcd(path, "tb/dut", window_s=window_s)
    assert got.window_s == pytest.approx((t1 - t0) * scale)
    assert set(expected) == set(got.names)
    for name, (count, high) in expected.items():
        row = got.names[name]
        assert got.transitions[row] == count, name
        assert got.high_time_s[row] == pytest.approx(high * scale, abs=1e-18), name


def test_gzip_and_plain_agree(tmp_path):
    text = random_vcd(11)
    plain = tmp_path / "a.vcd"
    plain.write_text(text)
    packed = tmp_path / "a.vcd.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    a = read_vcd(plain, "tb/dut")
    b = read_vcd(packed, "tb/dut")
    assert a.names == b.names
    assert np.array_equal(a.transitions, b.transitions)
    assert np.array_equal(a.high_time_s, b.high_time_s)


def test_wanted_subset_and_second_read(tmp_path):
    path = tmp_path / "a.vcd"
    path.write_text(random_vcd(3))
    vcd = VcdFile(path, "tb/dut")
    full = vcd.read()
    part = vcd.read(wanted=["s4[2]", "u1/A", "nonexistent"])
    assert set(part.names) == {"s4[2]", "u1/A"}
    for name in part.names:
        assert part.transitions[part.names[name]] == full.transitions[full.names[name]]


def test_short_vector_values_extend_as_the_standard_says(tmp_path):
    path = tmp_path / "v.vcd"
    path.write_text("$timescale 1ns $end\n$scope module dut $end\n"
                    "$var wire 4 ! v [3:0] $end\n$upscope $end\n$enddefinitions $end\n"
                    "#0\nb0 !\n#10\nb1 !\n#20\nbx1 !\n#30\nb1111 !\n#40\n")
    got = read_vcd(path, "dut")
    bit = {k: got.transitions[got.names[f"v[{k}]"]] for k in range(4)}
    # 0000 -> 0001 -> xxx1 -> 1111
    assert bit == {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0}
    duty0 = got.high_time_s[got.names["v[0]"]] / got.window_s
    assert duty0 == pytest.approx(0.75)
