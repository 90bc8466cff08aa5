"""Structural (gate-level) Verilog: a reader for what Yosys ``write_verilog -noattr`` writes,
and a writer for flat netlists (what netlist repair produces).

Supported: modules with non-ANSI or ANSI port lists, ``input``/``output``/``inout``/``wire``
declarations with ranges, escaped identifiers (``\\u0.acc[3] ``), bit and part selects,
sized and unsized constants (including x/z digits), concatenations and replications, ``assign``
statements (they merge nets, as OpenSTA's reader does), and cell instances with named port
connections. Instances of modules defined in the same file are flattened; their instance and
net names get the parent instance name and ``/`` as prefix (OpenSTA's hierarchy separator).
Behavioural constructs (``always``, ``initial``) mean the netlist is not mapped: an error.

The result is a flat ``Netlist``: nets (each with all its names), top-level port bits and
leaf instances whose pins connect to a net or to a constant. Which instance types are library
cells is decided later, against the liberty. ``write_netlist`` writes a flat ``Netlist`` back
(one escaped scalar wire per internal net, ports as vectors), so that reading it again gives
the same nets, ports and instances.
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import NetlistError

# One match per token, with the whitespace and comments before it: group 1 is a name (an
# escaped one without its backslash), group 2 any other token (number, punctuation, or a
# character the parser will reject).
_TOKEN = re.compile(r"""
    (?:\s+|//[^\n]*|/\*.*?\*/|\(\*.*?\*\))*
    (?:\\(?=\S))?
    (?:((?<=\\)\S+|[A-Za-z_][A-Za-z0-9_$]*)
     | (\d*\s*'[sS]?[bBoOdDhH]\s*[0-9a-fA-FxXzZ?_]+|\d+|[()\[\]{},;.:=\#]|\S))
""", re.S | re.X)

_DECLARATIONS = {"input", "output", "inout", "wire", "reg", "tri", "supply0", "supply1",
                 "wand", "wor"}


@contextmanager
def paused_gc():
    """Python's cyclic garbage collector off for the block. Reading and linking a netlist
    allocate millions of small objects without reference cycles; the collector would scan
    them again and again (half the time of reading a 60k-cell netlist)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class PortBit:
    """One bit of a top-level port: its name (``din[3]``), direction and net."""

    name: str
    direction: str
    net: int


@dataclass(frozen=True)
class Instance:
    """A leaf instance: hierarchical name, cell type, and per pin a net index or a constant
    ('0', '1', 'x' or 'z')."""

    name: str
    cell: str
    pins: dict[str, int | str]


@dataclass
class Netlist:
    """A flattened netlist: nets ``0..len(net_names)-1``, port bits, leaf instances."""

    path: Path
    top: str
    net_names: list[list[str]]
    net_constant: dict[int, str]
    ports: list[PortBit]
    instances: list[Instance]

    @property
    def net_count(self) -> int:
        return len(self.net_names)


@dataclass
class _Module:
    name: str
    port_order: list[str] = field(default_factory=list)
    ranges: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    directions: dict[str, str] = field(default_factory=dict)
    assigns: list[tuple[list, list, int]] = field(default_factory=list)
    instances: list[tuple[str, str, dict[str, list], int]] = field(default_factory=list)


class _Tokens:
    """The tokens of a file: ``raw[i]`` is (name, other) with one of the two empty,
    ``values[i]`` the token's text. Positions are token indices; the line of one is found
    only for an error message."""

    def __init__(self, text: str, path: Path):
        self.path = path
        self.text = text
        self.raw: list[tuple[str, str]] = _TOKEN.findall(text)
        self.values: list[str] = [name or other for name, other in self.raw]
        self.pos = 0

    def line(self, index: int) -> int:
        """The line of token ``index`` (the end of the file past the last token)."""
        starts = [m.start(m.lastindex) for m in _TOKEN.finditer(self.text)]
        offset = starts[index] if index < len(starts) else len(self.text)
        return self.text.count("\n", 0, offset) + 1

    def fail(self, message: str):
        raise NetlistError(f"{self.path}:{self.line(self.pos)}: {message}")

    def peek(self) -> str | None:
        return self.values[self.pos] if self.pos < len(self.values) else None

    def kind(self, index: int) -> str | None:
        """"id", "num" or "punct" (any other character) of token ``index``."""
        if index >= len(self.raw):
            return None
        name, other = self.raw[index]
        return "id" if name else "num" if other[0].isdigit() or other[0] == "'" else "punct"

    def peek_kind(self) -> str | None:
        return self.kind(self.pos)

    def peek_at(self, ahead: int) -> str | None:
        index = self.pos + ahead
        return self.values[index] if index < len(self.values) else None


    def take(self) -> str:
        if self.pos >= len(self.values):
            self.fail("unexpected end of file")
        value = self.values[self.pos]
        self.pos += 1
        return value

    def expect(self, value: str) -> None:
        got = self.take()
        if got != value:
            self.pos -= 1
            self.fail(f"expected {value!r}, found {got!r}")

    def identifier(self) -> str:
        pos = self.pos
        if pos >= len(self.raw) or not self.raw[pos][0]:
            self.fail(f"expected a name, found {self.peek()!r}")
        self.pos = pos + 1
        return self.raw[pos][0]

    def integer(self) -> int:
        if self.peek_kind() != "num" or not self.peek().isdigit():
            self.fail(f"expected a number, found {self.peek()!r}")
        return int(self.take())


def _constant_bits(text: str) -> list[str]:
    """MSB-first bits of a Verilog number ('0', '1', 'x', 'z')."""
    text = "".join(text.split())     # the tokenizer allows spaces around the base: 8 'h ff
    if "'" not in text:
        return list(format(int(text), "032b"))
    size_text, rest = text.split("'", 1)
    rest = rest.lstrip("sS")
    base, digits = rest[0].lower(), rest[1:].replace("_", "").lower().replace("?", "z")
    per_digit = {"b": 1, "o": 3, "h": 4}.get(base)
    if base == "d":
        bits = list(format(int(digits), "b")) if digits not in ("x", "z") else [digits]
    else:
        bits = []
        for digit in digits:
            if digit in "xz":
                bits.extend(digit * per_digit)
            else:
                bits.extend(format(int(digit, 16 if base == "h" else 8 if base == "o" else 2),
                                   f"0{per_digit}b"))
    width = int(size_text) if size_text else max(len(bits), 32)
    fill = bits[0] if bits and bits[0] in "xz" else "0"
    if len(bits) < width:
        bits = [fill] * (width - len(bits)) + bits
    return bits[-width:]


class _Parser:
    """Parses all modules of a file into _Module records (expressions kept symbolic)."""

    def __init__(self, text: str, path: Path):
        self.tokens = _Tokens(text, path)
        self.modules: dict[str, _Module] = {}

    def parse(self) -> dict[str, _Module]:
        tk = self.tokens
        while tk.peek() is not None:
            word = tk.take()
            if word in ("module", "macromodule"):
                module = self._module()
                self.modules[module.name] = module
            elif word == "`":
                tk.fail("compiler directives are not supported in a netlist")
            else:
                tk.pos -= 1
                tk.fail(f"expected 'module', found {word!r}")
        return self.modules

    def _module(self) -> _Module:
        tk = self.tokens
        module = _Module(tk.identifier())
        if tk.peek() == "#":
            tk.fail("parameterised modules are not supported in a mapped netlist")
        if tk.peek() == "(":
            tk.take()
            direction = None
            rng = None
            while tk.peek() != ")":
                if tk.peek() in ("input", "output", "inout"):
                    direction = tk.take()
                    rng = None
                    while tk.peek() in ("wire", "reg", "signed"):
                        tk.take()
                    if tk.peek() == "[":
                        rng = self._range()
                name = tk.identifier()
                module.port_order.append(name)
                if direction:
                    module.directions[name] = direction
                    module.ranges[name] = rng
                if tk.peek() == ",":
                    tk.take()
            tk.expect(")")
        tk.expect(";")
        while True:
            word = tk.peek()
            if word is None:
                tk.fail(f"module {module.name}: missing endmodule")
            if word == "endmodule":
                tk.take()
                return module
            if word in _DECLARATIONS:
                self._declaration(module)
            elif word == "assign":
                index = tk.pos
                tk.take()
                lhs = self._expression()
                tk.expect("=")
                rhs = self._expression()
                tk.expect(";")
                module.assigns.append((lhs, rhs, index))
            elif word in ("parameter", "localparam", "defparam", "genvar"):
                while tk.take() != ";":
                    pass
            elif word in ("always", "initial", "function", "task", "generate"):
                tk.fail(f"module {module.name}: behavioural '{word}' in the netlist; power "
                        "needs a netlist mapped to library cells (synthesise it first)")
            elif tk.peek_kind() == "id":
                self._instance(module)
            else:
                tk.fail(f"unexpected {word!r}")

    def _range(self) -> tuple[int, int]:
        tk = self.tokens
        tk.expect("[")
        msb = tk.integer()
        tk.expect(":")
        lsb = tk.integer()
        tk.expect("]")
        return msb, lsb

    def _declaration(self, module: _Module) -> None:
        tk = self.tokens
        kind = tk.take()
        while tk.peek() in ("wire", "reg", "signed", "scalared", "vectored"):
            tk.take()
        rng = self._range() if tk.peek() == "[" else None
        while True:
            name = tk.identifier()
            if kind in ("input", "output", "inout"):
                module.directions[name] = kind
                module.ranges[name] = rng
                if name not in module.port_order:
                    tk.fail(f"module {module.name}: {kind} {name!r} is not in the port list")
            elif name not in module.ranges or module.ranges[name] is None:
                module.ranges[name] = rng
            if tk.peek() == "=":
                tk.fail("net declaration assignments are not supported; use assign")
            if tk.peek() == ",":
                tk.take()
                continue
            tk.expect(";")
            return

    def _expression(self) -> list:
        """A symbolic expression: list of parts, each ('net', name, msb, lsb|None) or
        ('const', bits) or ('concat', parts...) flattened to a part list (MSB first)."""
        tk = self.tokens
        if tk.peek() == "{":
            tk.take()
            if tk.peek_kind() == "num" and tk.peek_at(1) == "{":
                count = int(tk.take())
                tk.expect("{")
                inner = self._expression_list("}")
                tk.expect("}")
                return inner * count
            parts = self._expression_list("}")
            tk.expect("}")
            return parts
        if tk.peek_kind() == "num":
            return [("const", _constant_bits(tk.take()))]
        name = tk.identifier()
        if tk.peek() == "[":
            tk.take()
            msb = tk.integer()
            lsb = None
            if tk.peek() == ":":
                tk.take()
                lsb = tk.integer()
            tk.expect("]")
            return [("net", name, msb, lsb if lsb is not None else msb)]
        return [("net", name, None, None)]

    def _expression_list(self, end: str) -> list:
        parts = []
        while True:
            parts.extend(self._expression())
            if self.tokens.peek() == ",":
                self.tokens.take()
                continue
            if self.tokens.peek() != end:
                self.tokens.fail(f"expected ',' or {end!r}")
            return parts

    def _instance(self, module: _Module) -> None:
        tk = self.tokens
        index = tk.pos
        cell = tk.identifier()
        if tk.peek() == "#":
            tk.take()
            tk.expect("(")
            depth = 1
            while depth:
                token = tk.take()
                depth += token == "("
                depth -= token == ")"
        name = tk.identifier()
        if tk.peek() == "[":
            tk.fail("instance arrays are not supported")
        tk.expect("(")
        pins: dict[str, list] = {}
        raw = tk.raw
        while tk.peek() != ")":
            # The common connections, ".A(net)" and ".A(net[3])", read without the general
            # expression parser: they are almost every token of a mapped netlist.
            w = raw[tk.pos:tk.pos + 8]
            if len(w) == 8 and w[0][1] == "." and w[1][0] and w[3][0] and w[2][1] == "(":
                if w[4][1] == ")":
                    pins[w[1][0]] = [("net", w[3][0], None, None)]
                    tk.pos += 6 if w[5][1] == "," else 5
                    continue
                if w[4][1] == "[" and w[5][1].isdigit() and w[6][1] == "]" and w[7][1] == ")":
                    bit = int(w[5][1])
                    pins[w[1][0]] = [("net", w[3][0], bit, bit)]
                    tk.pos += 8
                    if tk.peek() == ",":
                        tk.pos += 1
                    continue
            if tk.peek() != ".":
                tk.fail(f"instance {name}: only named port connections (.PIN(net)) are "
                        "supported")
            tk.take()
            pin = tk.identifier()
            tk.expect("(")
            pins[pin] = [] if tk.peek() == ")" else self._expression()
            tk.expect(")")
            if tk.peek() == ",":
                tk.take()
        tk.expect(")")
        tk.expect(";")
        module.instances.append((cell, name, pins, index))


class _Flattener:
    """Turns the top module (and submodules defined in the file) into a flat Netlist."""

    def __init__(self, modules: dict[str, _Module], tokens: _Tokens):
        self.modules = modules
        self.tokens = tokens
        self.parent: list[int] = []
        self.names: list[list[str]] = []
        self.constant: dict[int, str] = {}
        self.instances: list[tuple[str, str, dict[str, list]]] = []

    def _new(self, name: str) -> int:
        self.parent.append(len(self.parent))
        self.names.append([name])
        return len(self.parent) - 1

    def find(self, node: int) -> int:
        parent = self.parent
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
            self.names[ra].extend(self.names[rb])
            self.names[rb] = []

    def _fail(self, index: int, message: str):
        raise NetlistError(f"{self.tokens.path}:{self.tokens.line(index)}: {message}")

    def elaborate(self, module: _Module, prefix: str,
                  bindings: dict[str, list] | None, depth: int = 0) -> dict[str, dict[int, int]]:
        if depth > 64:
            raise NetlistError(f"{self.tokens.path}: module hierarchy deeper than 64 (recursive "
                               f"instantiation of {module.name}?)")
        nets: dict[str, dict[int, int]] = {}

        def bits_of(name: str) -> dict[int, int]:
            if name not in nets:
                rng = module.ranges.get(name)
                indices = [0] if rng is None else list(
                    range(rng[0], rng[1] - 1, -1) if rng[0] >= rng[1] else range(rng[0], rng[1] + 1))
                vector = rng is not None
                nets[name] = {i: self._new(f"{prefix}{name}[{i}]" if vector else f"{prefix}{name}")
                              for i in indices}
            return nets[name]

        def resolve(parts: list, index: int) -> list:
            """MSB-first list of node ids or constant characters (``index``: the statement's
            token, for errors)."""
            if len(parts) == 1 and parts[0][0] == "net":
                # One whole net or one bit of a vector: almost every pin of a mapped netlist.
                _, name, msb, lsb = parts[0]
                bits = nets[name] if name in nets else bits_of(name)
                if msb is None:
                    return list(bits.values())
                if msb == lsb and msb in bits and module.ranges.get(name) is not None:
                    return [bits[msb]]
            out = []
            for part in parts:
                if part[0] == "const":
                    out.extend(part[1])
                    continue
                _, name, msb, lsb = part
                bits = bits_of(name)
                rng = module.ranges.get(name)
                if msb is None:
                    out.extend(bits.values())   # declaration order is MSB first
                else:
                    if rng is None and (msb, lsb) != (0, 0):
                        self._fail(index, f"bit select {name}[{msb}] of a scalar net")
                    step = -1 if msb >= lsb else 1
                    for i in range(msb, lsb + step, step):
                        if i not in bits:
                            self._fail(index, f"{name}[{i}] is outside the declared range")
                        out.append(bits[i])
            return out

        for name in module.ranges:
            bits_of(name)
        if bindings is not None:
            for port in module.port_order:
                actual = bindings.get(port)
                if actual is None:
                    continue
                formal = [bits_of(port)[i] for i in bits_of(port)]
                self._connect(formal, actual)
        for lhs, rhs, index in module.assigns:
            self._connect(resolve(lhs, index), resolve(rhs, index))
        for cell, name, pins, index in module.instances:
            resolved = {pin: resolve(expr, index) for pin, expr in pins.items()}
            if cell in self.modules:
                self.elaborate(self.modules[cell], f"{prefix}{name}/", resolved, depth + 1)
            else:
                self.instances.append((f"{prefix}{name}", cell, resolved))
        return nets

    def _connect(self, left: list, right: list) -> None:
        # Verilog aligns at the LSB; the shorter side is zero-extended.
        for i in range(1, max(len(left), len(right)) + 1):
            a = left[-i] if i <= len(left) else "0"
            b = right[-i] if i <= len(right) else "0"
            if isinstance(a, int) and isinstance(b, int):
                self.union(a, b)
            elif isinstance(a, int) and b in "01":
                self.constant[a] = b
            elif isinstance(b, int) and a in "01":
                self.constant[b] = a


def read_netlist(path: Path | str, top: str | None = None) -> Netlist:
    """Read a structural Verilog netlist and flatten ``top`` (default: the one module that no
    other module instantiates). Raises NetlistError on syntax errors or a missing top."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise NetlistError(f"{path}: cannot read netlist ({exc.strerror or exc})") from None
    with paused_gc():
        return _read(text, path, top)


def _read(text: str, path: Path, top: str | None) -> Netlist:
    parser = _Parser(text, path)
    modules = parser.parse()
    if not modules:
        raise NetlistError(f"{path}: no module in the netlist")
    if top is None:
        used = {cell for m in modules.values() for cell, _, _, _ in m.instances}
        roots = [name for name in modules if name not in used]
        if len(roots) != 1:
            raise NetlistError(f"{path}: cannot tell the top module among {sorted(roots)}; "
                               "name it")
        top = roots[0]
    if top not in modules:
        raise NetlistError(f"{path}: no module {top!r} (modules: {', '.join(sorted(modules))})")
    flat = _Flattener(modules, parser.tokens)
    top_nets = flat.elaborate(modules[top], "", None)
    module = modules[top]
    # Compress the union-find into dense net indices.
    index: dict[int, int] = {}
    node_net = [0] * len(flat.parent)       # every node's dense net index
    for node in range(len(flat.parent)):
        root = flat.find(node)
        net = index.get(root)
        if net is None:
            net = index[root] = len(index)
        node_net[node] = net
    names: list[list[str]] = [[] for _ in index]
    for root, i in index.items():
        names[i] = flat.names[root]
    constant: dict[int, str] = {}
    for node, value in flat.constant.items():
        net = node_net[node]
        if constant.get(net, value) != value:
            raise NetlistError(f"{path}: net {names[net][0]} is tied to both 0 and 1")
        constant[net] = value
    ports = []
    for port in module.port_order:
        direction = module.directions.get(port)
        if direction is None:
            raise NetlistError(f"{path}: port {port!r} of {top} has no direction")
        bits = top_nets[port]
        vector = module.ranges.get(port) is not None
        for i, node in bits.items():
            ports.append(PortBit(name=f"{port}[{i}]" if vector else port, direction=direction,
                                 net=node_net[node]))
    instances = []
    for name, cell, pins in flat.instances:
        connections: dict[str, int | str] = {}
        for pin, bits in pins.items():
            if len(bits) == 1:
                bit = bits[0]
                connections[pin] = node_net[bit] if isinstance(bit, int) else bit
            elif bits:
                raise NetlistError(f"{path}: instance {name} ({cell}) pin {pin} is connected to "
                                   f"{len(bits)} bits; cell pins are single bits")
        instances.append(Instance(name=name, cell=cell, pins=connections))
    return Netlist(path=path, top=top, net_names=names, net_constant=constant, ports=ports,
                   instances=instances)


# ---------------------------------------------------------------------------------------------
# Writing

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_PORT_BIT = re.compile(r"^(.*)\[(-?\d+)\]$")
_KEYWORDS = frozenset({"module", "endmodule", "input", "output", "inout", "wire", "reg",
                       "assign", "always", "initial", "begin", "end", "if", "else", "case",
                       "for", "and", "or", "not", "buf", "nand", "nor", "xor", "xnor",
                       "supply0", "supply1", "tri", "wand", "wor", "parameter", "function"})


def verilog_name(name: str) -> str:
    """``name`` as a Verilog identifier: plain if it can be, else escaped (``\\a.b[3] ``)."""
    if _PLAIN.fullmatch(name) and name not in _KEYWORDS:
        return name
    return "\\" + name + " "


_NOT_PLAIN = re.compile(r"[^A-Za-z0-9_]")


def plain_instance_names(netlist: Netlist) -> tuple[Netlist, dict[str, str]]:
    """``netlist`` with every instance renamed to a plain identifier (each character outside
    ``[A-Za-z0-9_]`` becomes ``_``, a leading digit gets ``i`` before it, made unique with a
    ``_N`` suffix), and the map original name -> new name. Nets and ports keep their names.

    Why: Icarus's SDF annotator resolves a CELL INSTANCE by splitting it at ``.`` and has no
    escaped identifiers, so a Yosys cell name like ``core.lanes.acc_DFFPOSX1_Q`` cannot be
    annotated (``sparrow.sim.sdf``)."""
    used: set[str] = set()
    renamed: dict[str, str] = {}
    instances = []
    for inst in netlist.instances:
        base = _NOT_PLAIN.sub("_", inst.name) or "i"
        if base[0].isdigit():
            base = "i" + base
        name, k = base, 0
        while name in used or name in _KEYWORDS:
            k += 1
            name = f"{base}_{k}"
        used.add(name)
        renamed[inst.name] = name
        instances.append(Instance(name=name, cell=inst.cell, pins=inst.pins))
    return replace(netlist, instances=instances), renamed


def _port_groups(ports: list[PortBit]) -> dict[str, list[tuple[int | None, PortBit]]]:
    groups: dict[str, list[tuple[int | None, PortBit]]] = {}
    for port in ports:
        m = _PORT_BIT.match(port.name)
        base, index = (m.group(1), int(m.group(2))) if m else (port.name, None)
        groups.setdefault(base, []).append((index, port))
    return groups


def write_netlist(netlist: Netlist, path: Path | str) -> Path:
    """Write ``netlist`` as one flat Verilog module (written to a temporary file, then moved
    into place); return the path. Port bits keep their names (``dout[3]``); internal nets are
    named after their first name, made unique."""
    from .fileio import atomic_write_text    # the reader side needs no file writing

    groups = _port_groups(netlist.ports)
    expr: dict[int, str] = {}
    assigns: list[str] = []
    for base, bits in groups.items():
        for index, port in bits:
            text = verilog_name(base) + (f"[{index}]" if index is not None else "")
            if port.net in netlist.net_constant:
                if port.direction != "input":
                    assigns.append(f"  assign {text} = 1'b{netlist.net_constant[port.net]};")
            elif port.net not in expr:
                expr[port.net] = text
            elif port.direction == "input":     # an input sharing a net with an output
                assigns.append(f"  assign {expr[port.net]} = {text};")
                expr[port.net] = text
            else:
                assigns.append(f"  assign {text} = {expr[port.net]};")
    used = set(groups)
    wires = []
    for net, names in enumerate(netlist.net_names):
        if net in expr or net in netlist.net_constant:
            continue
        name = names[0] if names else f"sparrow_net_{net}"
        unique, k = name, 0
        while unique in used:
            k += 1
            unique = f"{name}_{k}"
        used.add(unique)
        expr[net] = verilog_name(unique)
        wires.append(f"  wire {expr[net]};")

    def connection(value: int | str) -> str:
        if isinstance(value, str):
            return f"1'b{value}"
        if value in netlist.net_constant:
            return f"1'b{netlist.net_constant[value]}"
        return expr[value]

    lines = ["// Flat netlist written by sparrow.netlist.write_netlist",
             f"module {verilog_name(netlist.top)}({', '.join(verilog_name(b) for b in groups)});"]
    for base, bits in groups.items():
        direction = bits[0][1].direction
        indices = [i for i, _ in bits if i is not None]
        span = f"[{max(indices)}:{min(indices)}] " if indices else ""
        lines.append(f"  {direction} {span}{verilog_name(base)};")
    lines += wires
    for inst in netlist.instances:
        pins = ", ".join(f".{pin}({connection(value)})" for pin, value in inst.pins.items())
        lines.append(f"  {verilog_name(inst.cell)} {verilog_name(inst.name)} ({pins});")
    lines += assigns
    lines.append("endmodule")
    return atomic_write_text(path, "\n".join(lines) + "\n")
