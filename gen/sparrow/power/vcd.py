"""Fast VCD reader: per signal bit, transition count and time at 1 over a window.

The header (scopes and ``$var`` lines) is parsed in Python. The value-change section is read
in large chunks (8 MB) and processed with numpy only, no per-line Python: whitespace-separated
tokens are located by vectorised comparisons, times are decoded digit column by digit
column, identifiers (up to eight characters) are read as 64-bit words and matched through a
dense table or a binary search, the digits of vector values are gathered for the wanted bits,
and the per-signal statistics come from one stable sort and ``bincount`` per chunk.

Counting follows OpenSTA's ``read_power_activities -vcd``: a signal's first record sets its
initial value and is not a transition; each later record whose value differs counts 1, or
0.5 when either value is X or Z; time at 1 accumulates between records; by default the window
is the whole file, from the first to the last timestamp. With an explicit window (t0, t1],
records at or before t0 only set the state, records in (t0, t1] count, later ones are ignored,
and the time at 1 is clipped to the window. Two documented differences from OpenSTA: vector
values shorter than the vector are extended as the VCD standard says (with 0, or with x/z
when the leftmost digit is x/z), where OpenSTA copies a one-digit value to every bit; and x
digits inside vector values count as X (OpenSTA only recognises upper-case X there).
"""

from __future__ import annotations

import gzip
import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from .. import units
from .errors import ActivityError

_CHUNK = 8 << 20                  # bytes of value-change text processed per numpy pass
_NONE = np.uint8(255)             # "no record yet" marker in the per-signal state
_X, _Z = 2, 3
_MAX_ID = 8                       # identifier characters read as one 64-bit word

_VALUE_CODE = np.full(256, 255, dtype=np.uint8)
for _ch, _code in (("0", 0), ("1", 1), ("x", _X), ("X", _X), ("u", _X), ("U", _X),
                   ("-", _X), ("z", _Z), ("Z", _Z)):
    _VALUE_CODE[ord(_ch)] = _code


def _pack_id(text: str) -> int:
    """Identifier code -> integer: characters as base-95 digits (space = 0), least
    significant first; distinct ids of up to eight printable characters get distinct codes."""
    code = 0
    for k, byte in enumerate(text.encode("ascii", "replace")):
        code += (byte - 32) * 95 ** k
    return code


@dataclass
class VcdActivity:
    """Transition counts and time at 1 per signal bit over one window.

    ``names`` maps a name relative to the scope (``_0977_/CLK``, ``din[3]``,
    ``u0/acc[2]``) to a row; ``transitions`` (X/Z changes count 0.5) and ``high_time_s``
    are per row; ``window_s`` is the window length in seconds.
    """

    path: Path
    scope: str
    names: dict[str, int]
    transitions: np.ndarray
    high_time_s: np.ndarray
    window_s: float
    timescale_s: float
    start_s: float
    end_s: float
    value_changes: int             # value records read (all signals, inside the window)
    bytes_read: int                # uncompressed bytes of the file
    seconds: float                 # wall time of the read
    cpu_seconds: float             # CPU time of the read (this process)

    def duty(self, row: int) -> float:
        return float(self.high_time_s[row] / self.window_s) if self.window_s > 0 else 0.0


@dataclass(frozen=True)
class _Var:
    ident: str
    width: int


class VcdFile:
    """A VCD file with its header parsed; ``read`` counts activity of selected signals."""

    def __init__(self, path: Path | str, scope: str = ""):
        self.path = Path(path)
        self.scope = scope.strip("/")
        self._scope_parts = [p for p in re.split(r"[/.]", self.scope) if p] if self.scope else []
        if not self.path.is_file():
            raise ActivityError(f"{self.path}: VCD file not found")
        self._handle = None
        self.timescale_s = 1.0
        self.vars: dict[str, _Var] = {}       # relative name -> variable (whole vector)
        self.bits: dict[str, tuple[str, int]] = {}   # relative bit name -> (id, bit from LSB)
        self._body_prefix = b""
        self._read_header()

    # ------------------------------------------------------------------ header
    def _open(self):
        try:
            with open(self.path, "rb") as probe:
                magic = probe.read(2)
            if magic == b"\x1f\x8b":
                return gzip.open(self.path, "rb")
            return open(self.path, "rb")
        except OSError as exc:
            raise ActivityError(f"{self.path}: cannot read VCD ({exc.strerror or exc})") from None

    def _read_block(self, handle, size: int) -> bytes:
        try:
            return handle.read(size)
        except (EOFError, zlib.error, OSError) as exc:
            raise ActivityError(f"{self.path}: VCD is truncated or corrupt ({exc})") from None

    def _read_header(self) -> None:
        handle = self._open()
        data = b""
        while True:
            block = self._read_block(handle, 1 << 20)
            data += block
            mark = data.find(b"$enddefinitions")
            if mark >= 0:
                end = data.find(b"$end", mark + len(b"$enddefinitions"))
                while end < 0:
                    block = self._read_block(handle, 1 << 20)
                    if not block:
                        break
                    data += block
                    end = data.find(b"$end", mark + len(b"$enddefinitions"))
                if end >= 0:
                    break
            if not block:
                handle.close()
                raise ActivityError(f"{self.path}: not a VCD file, or truncated inside its "
                                    "header (no $enddefinitions)")
        header_end = data.find(b"$end", mark + len(b"$enddefinitions")) + len(b"$end")
        self._body_prefix = data[header_end:]
        self._handle = handle
        self._header_bytes = header_end
        tokens = data[:header_end].decode("ascii", "replace").split()
        self._parse_header_tokens(tokens)

    def _parse_header_tokens(self, tokens: list[str]) -> None:
        stack: list[str] = []
        scopes_seen: set[str] = set()
        depth = len(self._scope_parts)
        prefix: str | None = None      # relative path of the current scope inside ``scope``
        i = 0
        n = len(tokens)
        while i < n:
            token = tokens[i]
            if token[0] != "$":
                i += 1
                continue
            end = i + 1
            while end < n and tokens[end] != "$end":
                end += 1
            body = tokens[i + 1:end]
            if token == "$var":
                if len(body) < 4:
                    raise ActivityError(f"{self.path}: malformed $var {' '.join(body)!r}")
                if prefix is not None:
                    self._add_var(prefix, body)
            elif token == "$scope":
                stack.append(body[-1].lstrip("\\") if body else "")
                scopes_seen.add("/".join(stack))
                prefix = self._prefix(stack, depth)
            elif token == "$upscope":
                if stack:
                    stack.pop()
                prefix = self._prefix(stack, depth)
            elif token == "$timescale":
                text = "".join(body)
                match = re.fullmatch(r"(\d+)\s*([a-z]+)", text)
                try:
                    if not match:
                        raise ValueError(text)
                    self.timescale_s = int(match.group(1)) * units.scale(match.group(2), "s")
                except ValueError:
                    raise ActivityError(f"{self.path}: unknown $timescale {text!r}") from None
            i = end + 1
        if not self.vars:
            listed = ", ".join(sorted(scopes_seen, key=len)[:8])
            raise ActivityError(f"{self.path}: scope {self.scope!r} not found in the VCD "
                                f"(scopes: {listed}{', ...' if len(scopes_seen) > 8 else ''})")

    def _prefix(self, stack: list[str], depth: int) -> str | None:
        if len(stack) < depth or stack[:depth] != self._scope_parts:
            return None
        inner = stack[depth:]
        return "/".join(inner) + "/" if inner else ""

    def _add_var(self, prefix: str, body: list[str]) -> None:
        kind, width_text, ident, name = body[0], body[1], body[2], body[3]
        if kind in ("real", "realtime", "event", "parameter", "string"):
            return
        width = int(width_text)
        name = name.lstrip("\\")
        select = body[4] if len(body) > 4 else None
        if select is None and name.endswith("]"):
            match = re.fullmatch(r"(.*[^\s\]])\s*\[(\d+)(?::(\d+))?\]", name)
            if match and (width > 1 or match.group(3) is None):
                name, select = match.group(1), f"[{match.group(2)}" + (
                    f":{match.group(3)}]" if match.group(3) is not None else "]")
        msb = lsb = None
        if select:
            match = re.fullmatch(r"\[(\d+)(?::(\d+))?\]", select)
            if match:
                msb = int(match.group(1))
                lsb = int(match.group(2)) if match.group(2) is not None else msb
        full = prefix + name
        if len(ident) > _MAX_ID:
            raise ActivityError(f"{self.path}: VCD identifier {ident!r} longer than "
                                f"{_MAX_ID} characters is not supported")
        var = _Var(ident=ident, width=width)
        if width == 1:
            bit_name = full if msb is None else f"{full}[{msb}]"
            self.vars.setdefault(bit_name, var)
            self.bits.setdefault(bit_name, (ident, 0))
            return
        self.vars.setdefault(full, var)
        if msb is None:
            msb, lsb = width - 1, 0
        step = -1 if msb >= lsb else 1
        for position, index in enumerate(range(msb, lsb + step, step)):
            self.bits.setdefault(f"{full}[{index}]", (ident, width - 1 - position))

    # ------------------------------------------------------------------ body
    def read(self, wanted: Iterable[str] | None = None,
             window_s: tuple[float, float] | None = None) -> VcdActivity:
        """Count transitions and time at 1 for the ``wanted`` bit names (default: all bits
        under the scope) over ``window_s`` = (start, end) in seconds (default: whole file)."""
        started = time.perf_counter()
        cpu_started = time.process_time()
        if self._handle is None:      # a second read starts again after the header
            self._read_header()
        names = list(self.bits) if wanted is None else [n for n in wanted if n in self.bits]
        slots: dict[tuple[str, int], int] = {}
        rows: dict[str, int] = {}
        for name in names:
            key = self.bits[name]
            rows[name] = slots.setdefault(key, len(slots))
        nsig = len(slots)
        widths = {var.ident: var.width for var in self.vars.values()}
        # Slots fit 16 bits for most designs, which lets numpy use its radix sort.
        slot_dtype = np.uint16 if nsig < (1 << 16) else np.int32
        select = _Selection.build(slots, widths, slot_dtype)

        ticks = self.timescale_s
        t0 = t1 = None
        if window_s is not None:
            t0 = int(round(window_s[0] / ticks))
            t1 = int(round(window_s[1] / ticks))
            if t1 <= t0:
                raise ActivityError(f"{self.path}: empty window {window_s}")
        state = _Counter(nsig, t0, t1)
        first_time: int | None = None
        last_time: int | None = None
        value_changes = 0
        total_bytes = self._header_bytes
        pending = self._body_prefix
        handle = self._handle
        done = False
        while not done:
            block = self._read_block(handle, _CHUNK) if handle else b""
            if not block:
                handle.close()
                self._handle = handle = None
                chunk, pending = pending, b""
                done = True
                if not chunk.strip():
                    break
                chunk += b"\n"
            else:
                data = pending + block
                cut = data.rfind(b"\n")
                if cut < 0:
                    pending = data
                    continue
                chunk, pending = data[:cut + 1], data[cut + 1:]
            total_bytes += len(chunk)
            parsed = _parse_chunk(chunk, self.path, last_time, select)
            if parsed.first_time is not None and first_time is None:
                first_time = parsed.first_time
            if parsed.last_time is not None:
                last_time = parsed.last_time
            value_changes += parsed.records
            stop = state.add(parsed.slot, parsed.time, parsed.value, parsed.merged)
            if stop:
                if handle:
                    handle.close()
                    self._handle = handle = None
                break
        if first_time is None or last_time is None:
            raise ActivityError(f"{self.path}: the VCD has no timestamps after its header")
        if t0 is None:
            t0, t1 = first_time, last_time
            if t1 <= t0:
                raise ActivityError(f"{self.path}: the VCD spans no time (last timestamp "
                                    f"{last_time})")
        elif t1 > last_time:
            raise ActivityError(f"{self.path}: window end {window_s[1]:g} s is after the last "
                                f"timestamp ({last_time * ticks:g} s)")
        transitions, high = state.finish(t1)
        return VcdActivity(path=self.path, scope=self.scope, names=rows,
                           transitions=transitions, high_time_s=high * ticks,
                           window_s=(t1 - t0) * ticks, timescale_s=ticks, start_s=t0 * ticks,
                           end_s=t1 * ticks, value_changes=value_changes,
                           bytes_read=total_bytes, seconds=time.perf_counter() - started,
                           cpu_seconds=time.process_time() - cpu_started)


@dataclass
class _Parsed:
    slot: np.ndarray
    time: np.ndarray
    value: np.ndarray
    records: int
    merged: bool                   # scalar and vector events concatenated (not time-sorted)
    first_time: int | None
    last_time: int | None


_DENSE = 95 ** 3   # identifiers of up to three characters are looked up in a dense table


def _pack_tokens(words: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Packed code of each token (``_pack_id``) as int64; -1 for tokens too long to pack.

    ``words`` is a little-endian uint64 view of the chunk at every byte offset, so one gather
    fetches a token's first eight bytes; the base-95 digits are then shifted out of it."""
    word = words[starts]
    width = int(min(lengths.max(), _MAX_ID)) if lengths.size else 0
    packed = np.zeros(starts.size, dtype=np.int64)
    for k in range(width):
        digit = (word >> np.uint64(8 * k)).astype(np.uint8).astype(np.int64) - 32
        packed += np.where(lengths > k, digit * 95 ** k, 0)
    packed[lengths > _MAX_ID] = -1
    return packed


def _dense_index(codes: np.ndarray) -> np.ndarray:
    """Table code -> position in ``codes`` (or -1) for all codes below _DENSE."""
    table = np.full(_DENSE, -1, dtype=np.int32)
    small = codes < _DENSE
    table[codes[small]] = np.flatnonzero(small)
    return table


def _match(codes: np.ndarray, dense: np.ndarray, packed: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Index into sorted ``codes`` of each packed token, and whether it is present."""
    if not codes.size:
        return np.zeros(packed.size, dtype=np.intp), np.zeros(packed.size, dtype=bool)
    short = (packed >= 0) & (packed < _DENSE)
    where = dense[np.where(short, packed, 0)].astype(np.intp)
    hit = short & (where >= 0)
    long = ~short & (packed >= 0)
    if long.any():
        found = np.minimum(np.searchsorted(codes, packed[long]), codes.size - 1)
        where[long] = found
        hit[long] = codes[found] == packed[long]
    return where, hit


def _parse_chunk(chunk: bytes, path: Path, carry_time: int | None, select: "_Selection") -> _Parsed:
    # Zero padding lets token decoders read a few bytes past any token without bounds checks.
    padded = chunk + bytes(16)
    buf = np.frombuffer(padded, dtype=np.uint8)
    words = np.ndarray(shape=(len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    space = buf[:len(chunk)] <= 32
    edge = np.flatnonzero(space[1:] != space[:-1])
    # Tokens start after a whitespace->text edge and end at the next text->whitespace edge
    # (the chunk always ends with a newline).
    if space[0]:
        starts, ends = edge[0::2] + 1, edge[1::2] + 1
    else:
        starts = np.concatenate(([0], edge[1::2] + 1))
        ends = edge[0::2] + 1
    lengths = ends - starts
    first = buf[starts]

    # Drop the bodies of $comment ... $end (free text).
    dollar = first == ord("$")
    if dollar.any():
        keep = np.ones(starts.size, dtype=bool)
        open_comment = None
        for i in np.flatnonzero(dollar).tolist():
            word = chunk[starts[i]:ends[i]]
            if word == b"$comment" and open_comment is None:
                open_comment = i
            elif word == b"$end" and open_comment is not None:
                keep[open_comment:i + 1] = False
                open_comment = None
        if open_comment is not None:
            raise ActivityError(f"{path}: $comment without $end (truncated VCD?)")
        if not keep.all():
            starts, lengths, first = starts[keep], lengths[keep], first[keep]
            dollar = first == ord("$")

    # A vector value ("b0101") is followed by its identifier, which may itself start with
    # b/B/r/R: inside a run of such tokens, odd positions are values, even ones identifiers.
    lower = first | 0x20          # ASCII letters to lower case
    cand = np.flatnonzero((lower == ord("b")) | (lower == ord("r")))
    # Position of each candidate inside its run of consecutive candidates (1-based).
    run_break = np.ones(cand.size, dtype=bool)
    run_break[1:] = cand[1:] != cand[:-1] + 1
    k = np.arange(cand.size)
    position = k - np.maximum.accumulate(np.where(run_break, k, 0)) + 1
    is_vector = np.zeros(first.size, dtype=bool)
    is_vector[cand[position % 2 == 1]] = True
    follows_vector = np.zeros_like(is_vector)
    follows_vector[1:] = is_vector[:-1]
    if is_vector.size and is_vector[-1]:
        raise ActivityError(f"{path}: vector value without identifier at the end (truncated)")
    # Identifiers may start with '#' or '$' too; only tokens that are no identifier are
    # timestamps or keywords ($dumpvars, $end, ...).
    is_time = (first == ord("#")) & ~follows_vector
    scalar = ~is_time & ~is_vector & ~follows_vector & ~dollar
    bad = scalar & (_VALUE_CODE[first] == 255)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        text = chunk[starts[i]:starts[i] + lengths[i]].decode("ascii", "replace")
        raise ActivityError(f"{path}: unexpected VCD token {text!r} (corrupt or truncated VCD)")

    # Times: decode the digits after '#', one digit column at a time.
    time_index = np.flatnonzero(is_time)
    times = np.zeros(time_index.size, dtype=np.int64)
    if time_index.size:
        t_starts, t_len = starts[time_index] + 1, lengths[time_index] - 1
        if (t_len <= 0).any() or t_len.max() > 18:
            raise ActivityError(f"{path}: malformed timestamp in the VCD")
        for k in range(int(t_len.max())):
            present = t_len > k
            digit = buf[t_starts + k].astype(np.int64) - 48
            if ((digit < 0) | (digit > 9))[present].any():
                raise ActivityError(f"{path}: malformed timestamp in the VCD")
            times = np.where(present, times * 10 + digit, times)
        if (times[1:] < times[:-1]).any() or (carry_time is not None and times[0] < carry_time):
            raise ActivityError(f"{path}: VCD time goes backwards")
    # Time of every token: the latest timestamp before it (or the previous chunk's last).
    latest = np.cumsum(is_time, dtype=np.int32) - 1

    def time_of(token_index: np.ndarray) -> np.ndarray:
        pos = latest[token_index]
        if (pos < 0).any():
            if carry_time is None:
                raise ActivityError(f"{path}: value change before the first timestamp")
            return np.where(pos < 0, carry_time, times[np.maximum(pos, 0)])
        return times[pos]

    records = int(np.count_nonzero(scalar) + np.count_nonzero(is_vector))
    slot_parts, time_parts, value_parts = [], [], []

    # Scalar changes: value character followed by the identifier.
    scalar_index = np.flatnonzero(scalar)
    if scalar_index.size and select.scalar_codes.size:
        id_len = lengths[scalar_index] - 1
        if (id_len <= 0).any():
            raise ActivityError(f"{path}: value change without identifier (corrupt VCD)")
        where, hit = _match(select.scalar_codes, select.scalar_dense,
                            _pack_tokens(words, starts[scalar_index] + 1, id_len))
        chosen = scalar_index[hit]
        slot_parts.append(select.scalar_slots[where[hit]])
        time_parts.append(time_of(chosen))
        value_parts.append(_VALUE_CODE[first[chosen]])

    # Vector changes ("b0101 id"): one event per wanted bit, digits read from the buffer.
    vector_index = np.flatnonzero(is_vector & ((first == ord("b")) | (first == ord("B"))))
    if vector_index.size and select.vector_codes.size:
        id_tokens = vector_index + 1
        where, hit = _match(select.vector_codes, select.vector_dense,
                            _pack_tokens(words, starts[id_tokens], lengths[id_tokens]))
        tokens = vector_index[hit]
        ids = where[hit]
        count = select.vector_count[ids]
        repeat_token = np.repeat(np.arange(tokens.size), count)
        within = np.arange(repeat_token.size) - np.repeat(np.cumsum(count) - count, count)
        flat = select.vector_offset[ids][repeat_token] + within
        bit = select.vector_bits[flat]
        v_start = starts[tokens][repeat_token] + 1
        v_len = lengths[tokens][repeat_token] - 1
        if (v_len <= 0).any():
            raise ActivityError(f"{path}: empty vector value (corrupt VCD)")
        leftmost = buf[v_start]
        extension = np.where(_VALUE_CODE[leftmost] >= _X, leftmost, ord("0"))
        inside = bit < v_len
        digit = np.where(inside, buf[np.where(inside, v_start + v_len - 1 - bit, v_start)],
                         extension)
        codes = _VALUE_CODE[digit]
        if (codes == 255).any():
            raise ActivityError(f"{path}: malformed vector value (corrupt VCD)")
        slot_parts.append(select.vector_slots[flat])
        time_parts.append(time_of(tokens)[repeat_token])
        value_parts.append(codes)
    if slot_parts:
        slot = np.concatenate(slot_parts)
        when = np.concatenate(time_parts)
        value = np.concatenate(value_parts)
    else:
        slot = np.zeros(0, dtype=np.int32)
        when = np.zeros(0, dtype=np.int64)
        value = np.zeros(0, dtype=np.uint8)
    return _Parsed(slot=slot, time=when, value=value, records=records,
                   merged=len(slot_parts) > 1,
                   first_time=int(times[0]) if times.size else None,
                   last_time=int(times[-1]) if times.size else carry_time)


@dataclass
class _Selection:
    """Which identifiers to follow: packed scalar codes and, for vectors, bit -> slot lists."""

    scalar_codes: np.ndarray
    scalar_dense: np.ndarray
    scalar_slots: np.ndarray
    vector_codes: np.ndarray
    vector_dense: np.ndarray
    vector_offset: np.ndarray
    vector_count: np.ndarray
    vector_bits: np.ndarray
    vector_slots: np.ndarray

    @classmethod
    def build(cls, slots: dict[tuple[str, int], int], widths: dict[str, int],
              slot_dtype) -> "_Selection":
        scalar: dict[int, int] = {}
        vector: dict[int, list[tuple[int, int]]] = {}
        for (ident, bit), slot in slots.items():
            code = _pack_id(ident)
            if widths.get(ident, 1) == 1:
                scalar[code] = slot
            # Vectors, and one-bit signals written in vector form ("b1 !").
            vector.setdefault(code, []).append((bit, slot))
        s_codes = np.array(sorted(scalar), dtype=np.int64)
        v_codes = np.array(sorted(vector), dtype=np.int64)
        bits, vslots, offset, count = [], [], [], []
        for code in v_codes.tolist():
            offset.append(len(bits))
            count.append(len(vector[code]))
            for bit, slot in vector[code]:
                bits.append(bit)
                vslots.append(slot)
        return cls(scalar_codes=s_codes, scalar_dense=_dense_index(s_codes),
                   vector_dense=_dense_index(v_codes),
                   scalar_slots=np.array([scalar[c] for c in s_codes.tolist()], dtype=slot_dtype),
                   vector_codes=v_codes, vector_offset=np.array(offset, dtype=np.int64),
                   vector_count=np.array(count, dtype=np.int64),
                   vector_bits=np.array(bits, dtype=np.int64),
                   vector_slots=np.array(vslots, dtype=slot_dtype))


class _Counter:
    """Running per-signal state across chunks: last value/time, transitions, ticks at 1."""

    def __init__(self, nsig: int, t0: int | None, t1: int | None):
        self.last_value = np.full(nsig, _NONE, dtype=np.uint8)
        self.last_time = np.zeros(nsig, dtype=np.int64)
        self.transitions = np.zeros(nsig)
        self.high = np.zeros(nsig)
        self.t0 = t0
        self.t1 = t1

    def add(self, slot: np.ndarray, when: np.ndarray, value: np.ndarray, merged: bool) -> bool:
        """Fold one chunk's records in; True once the window end has been passed."""
        stop = False
        # Scalar and vector records are concatenated, not merged: the latest is not last.
        if self.t1 is not None and when.size and when.max() > self.t1:
            keep = when <= self.t1
            slot, when, value = slot[keep], when[keep], value[keep]
            stop = True
        if not slot.size:
            return stop
        # Group by signal keeping file order (time order) inside each group.
        order = np.argsort(slot, kind="stable")
        s, t, v = slot[order], when[order], value[order]
        group_start = np.ones(s.size, dtype=bool)
        group_start[1:] = s[1:] != s[:-1]
        if merged and (~group_start[1:] & (t[1:] < t[:-1])).any():
            # One signal written both as scalar and as vector in this chunk: order by time.
            order = np.lexsort((when, slot))
            s, t, v = slot[order], when[order], value[order]
        prev_v = np.empty_like(v)
        prev_t = np.empty_like(t)
        prev_v[1:], prev_t[1:] = v[:-1], t[:-1]
        prev_v[group_start] = self.last_value[s[group_start]]
        prev_t[group_start] = self.last_time[s[group_start]]
        seen = prev_v != _NONE
        changed = seen & (v != prev_v)
        if self.t0 is not None:
            changed &= t > self.t0
            lo = self.t0
            high = np.where(seen & (prev_v == 1),
                            np.maximum(t, lo) - np.maximum(prev_t, lo), 0)
        else:
            high = np.where(seen & (prev_v == 1), t - prev_t, 0)
        unknown = (v >= _X) | (prev_v >= _X)
        weight = np.where(changed, np.where(unknown, 0.5, 1.0), 0.0)
        n = self.transitions.size
        self.transitions += np.bincount(s, weights=weight, minlength=n)
        self.high += np.bincount(s, weights=high, minlength=n)
        group_end = np.ones(s.size, dtype=bool)
        group_end[:-1] = s[1:] != s[:-1]
        self.last_value[s[group_end]] = v[group_end]
        self.last_time[s[group_end]] = t[group_end]
        return stop

    def finish(self, t1: int) -> tuple[np.ndarray, np.ndarray]:
        lo = self.t0 if self.t0 is not None else np.iinfo(np.int64).min
        tail = np.where(self.last_value == 1, t1 - np.maximum(self.last_time, lo), 0)
        return self.transitions, self.high + tail


def read_vcd(path: Path | str, scope: str = "", wanted: Iterable[str] | None = None,
             window_s: tuple[float, float] | None = None) -> VcdActivity:
    """Read ``path`` (plain or gzip) and count activity of the bits under ``scope``
    (``tb/dut``); see ``VcdFile.read`` for ``wanted`` and ``window_s``."""
    return VcdFile(path, scope).read(wanted=wanted, window_s=window_s)
