"""Liberty boolean expressions (``function``, ``when``, ``next_state``) and signal probabilities.

Grammar and precedence follow OpenSTA's liberty expression parser, lowest first:
``+``/``|`` (or), ``*``/``&``/juxtaposition (and), ``^`` (xor), ``!``/postfix ``'`` (not);
``0`` and ``1`` are constants.

Two kinds of probability, vectorised over many instances, with statistically independent
variables: exact ones from a truth table over the expression's own variables (rarely more
than six): the probability that ``f`` is 1 (its duty) and that ``f`` is sensitive to one
variable (the duty of the Boolean difference ``f(x=1) xor f(x=0)``); and OpenSTA 2.6's
estimates, which evaluate the expression tree node by node as if every subexpression were
independent (``cofactor_sensitivity``; exact when no variable appears twice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_\[\]\.]*)|(?P<const>[01])\b|(?P<op>[!'()+|*&^]))")


class ExpressionError(ValueError):
    """A boolean expression does not parse (the liberty reader turns it into a LibertyError)."""


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"cannot parse {text!r} at {text[pos:]!r}")
        tokens.append(match.group("name") or match.group("const") or match.group("op"))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


class _Parser:
    """Recursive descent over the token list; builds tuples ('var', n) / ('const', b) / (op, ...)."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def parse(self):
        if not self.tokens:
            raise ExpressionError("empty expression")
        node = self._or()
        if self.pos != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.pos]!r} in {self.text!r}")
        return node

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise ExpressionError(f"unexpected end of {self.text!r}")
        self.pos += 1
        return token

    def _or(self):
        node = self._and()
        while self._peek() in ("+", "|"):
            self._take()
            node = ("or", node, self._and())
        return node

    def _starts_operand(self, token: str | None) -> bool:
        return token is not None and (token in ("(", "!") or token not in "'()+|*&^")

    def _and(self):
        node = self._xor()
        while True:
            token = self._peek()
            if token in ("*", "&"):
                self._take()
            elif not self._starts_operand(token):
                return node
            node = ("and", node, self._xor())

    def _xor(self):
        node = self._unary()
        while self._peek() == "^":
            self._take()
            node = ("xor", node, self._unary())
        return node

    def _unary(self):
        if self._peek() == "!":
            self._take()
            node = ("not", self._unary())
        else:
            node = self._primary()
        while self._peek() == "'":
            self._take()
            node = ("not", node)
        return node

    def _primary(self):
        token = self._take()
        if token == "(":
            node = self._or()
            if self._take() != ")":
                raise ExpressionError(f"missing ')' in {self.text!r}")
            return node
        if token in ("0", "1"):
            return ("const", token == "1")
        if token in "'()+|*&^!":
            raise ExpressionError(f"unexpected {token!r} in {self.text!r}")
        return ("var", token)


def _variables(node, out: list[str]) -> None:
    if node[0] == "var":
        if node[1] not in out:
            out.append(node[1])
    elif node[0] != "const":
        for child in node[1:]:
            _variables(child, out)


def _evaluate(node, values: dict[str, np.ndarray], size: int) -> np.ndarray:
    kind = node[0]
    if kind == "var":
        return values[node[1]]
    if kind == "const":
        return np.full(size, node[1], dtype=bool)
    if kind == "not":
        return ~_evaluate(node[1], values, size)
    left = _evaluate(node[1], values, size)
    right = _evaluate(node[2], values, size)
    if kind == "and":
        return left & right
    if kind == "or":
        return left | right
    return left ^ right


@dataclass(frozen=True)
class BooleanFunction:
    """A parsed liberty expression with its truth table over ``variables`` (bit j = variable j)."""

    text: str
    variables: tuple[str, ...]
    truth: np.ndarray = field(repr=False, compare=False)
    tree: tuple = field(repr=False, compare=False, default=())

    def has(self, name: str) -> bool:
        return name in self.variables

    @cached_property
    def _constant(self) -> bool | None:
        """The value whatever the inputs (tie cells, a degenerate function), else None."""
        return True if self.truth.all() else False if not self.truth.any() else None

    def constant_value(self, known: dict[str, bool]) -> bool | None:
        """The value if the ``known`` variables fix it whatever the others are, else None."""
        if not known:
            return self._constant
        rows = np.ones(self.truth.size, dtype=bool)
        index = np.arange(self.truth.size)
        for j, name in enumerate(self.variables):
            if name in known:
                rows &= ((index >> j) & 1).astype(bool) == known[name]
        values = self.truth[rows]
        if values.all():
            return True
        if not values.any():
            return False
        return None

    def _rows(self, duty) -> np.ndarray:
        """Duties as a matrix (instances, len(variables)); a 1-D array is one instance."""
        duty = np.asarray(duty, dtype=float)
        if duty.ndim == 1:
            duty = duty[None, :]
        if duty.shape[1] != len(self.variables):
            raise ValueError(f"{self.text!r} has {len(self.variables)} variables, "
                             f"got {duty.shape[1]} duties")
        return duty

    def _weights(self, duty: np.ndarray) -> np.ndarray:
        """Probability of every input assignment, shape (instances, 2**n), inputs independent."""
        duty = self._rows(duty)
        index = np.arange(self.truth.size)
        weights = np.ones((duty.shape[0], self.truth.size))
        for j in range(len(self.variables)):
            bit = ((index >> j) & 1).astype(bool)
            weights *= np.where(bit, duty[:, j:j + 1], 1.0 - duty[:, j:j + 1])
        return weights

    def _expect(self, duty: np.ndarray, table: np.ndarray) -> np.ndarray:
        """Sum of the assignment probabilities where ``table`` is true, per instance; in
        blocks of instances so that wide functions do not need a huge weight matrix."""
        duty = self._rows(duty)
        block = max(1, (1 << 22) // table.size)
        values = table.astype(float)
        return np.concatenate([self._weights(duty[i:i + block]) @ values
                               for i in range(0, duty.shape[0], block)] or [np.zeros(0)])

    def probability(self, duty: np.ndarray) -> np.ndarray:
        """P(f = 1) per instance; ``duty`` has shape (instances, len(variables))."""
        return self._expect(duty, self.truth)

    def sensitivity(self, name: str, duty: np.ndarray) -> np.ndarray:
        """P(f(name=1) != f(name=0)) per instance: the duty of the Boolean difference."""
        duty = self._rows(duty)
        if name not in self.variables:
            return np.zeros(duty.shape[0])
        j = self.variables.index(name)
        index = np.arange(self.truth.size)
        flipped = self.truth[index ^ (1 << j)]
        return self._expect(duty, self.truth != flipped)


    def _tree_duty(self, node, duty: np.ndarray, fixed: tuple[int, float] | None) -> np.ndarray:
        kind = node[0]
        if kind == "var":
            j = self.variables.index(node[1])
            if fixed is not None and fixed[0] == j:
                return np.full(duty.shape[0], fixed[1])
            return duty[:, j]
        if kind == "const":
            return np.full(duty.shape[0], float(node[1]))
        if kind == "not":
            return 1.0 - self._tree_duty(node[1], duty, fixed)
        left = self._tree_duty(node[1], duty, fixed)
        right = self._tree_duty(node[2], duty, fixed)
        if kind == "and":
            return left * right
        if kind == "or":
            return 1.0 - (1.0 - left) * (1.0 - right)
        return left * (1.0 - right) + (1.0 - left) * right

    def cofactor_sensitivity(self, name: str, duty: np.ndarray) -> np.ndarray:
        """OpenSTA 2.6's estimate of the sensitivity to ``name``: the duties of the two
        cofactors f(name=1), f(name=0) are evaluated node by node as if every subexpression
        were independent, then combined as if the cofactors were independent:
        P1 (1 - P0) + P0 (1 - P1). Exact for and/or trees over distinct variables."""
        duty = self._rows(duty)
        if name not in self.variables:
            return np.zeros(duty.shape[0])
        j = self.variables.index(name)
        high = self._tree_duty(self.tree, duty, (j, 1.0))
        low = self._tree_duty(self.tree, duty, (j, 0.0))
        return high * (1.0 - low) + low * (1.0 - high)


@lru_cache(maxsize=4096)
def parse_function(text: str) -> BooleanFunction:
    """Parse a liberty boolean expression; raises ExpressionError when it does not parse."""
    node = _Parser(text).parse()
    names: list[str] = []
    _variables(node, names)
    size = 1 << len(names)
    index = np.arange(size)
    values = {name: ((index >> j) & 1).astype(bool) for j, name in enumerate(names)}
    truth = _evaluate(node, values, size)
    truth.setflags(write=False)
    return BooleanFunction(text=text, variables=tuple(names), truth=truth, tree=node)
