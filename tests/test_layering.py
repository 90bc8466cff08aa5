"""The package's data flows one way: no module imports a package above its own (read from
the source with ``ast``, lazy imports inside functions included).

Levels, lowest first; a module may import its own package and anything on a lower level.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gen" / "sparrow"

LEVELS = (
    ("errors",),
    ("defaults", "units"),
    ("fileio",),
    ("resources", "tools"),
    ("model", "library", "netlist"),
    ("export", "power"),
    ("hw",),
    ("sim", "synth"),
    ("sta",),
    ("repair",),
    ("flow",),
    ("report",),
    ("ecg", "estimate"),
    ("study",),
    ("fpga",),
    ("cli",),
)
LEVEL = {name: i for i, names in enumerate(LEVELS) for name in names}
ENTRY_POINTS = ("__main__",)        # ``python -m``: the command line itself


def _component(module: str) -> str:
    """``sparrow.flow.steps.power`` -> ``flow``; ``sparrow`` -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> list[tuple[str, int]]:
    """Every ``sparrow`` module that ``path`` (module ``module``) imports, with the line."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names if a.name.startswith("sparrow")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("sparrow"):
                continue
            if target == "sparrow":
                # ``from .. import defaults``: the names are modules (or attributes of the
                # package itself, such as ``__version__``).
                out += [(f"sparrow.{a.name}", node.lineno) for a in node.names
                        if (PACKAGE / f"{a.name}.py").is_file() or (PACKAGE / a.name).is_dir()]
            else:
                out.append((target, node.lineno))
    return out


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "data" not in p.relative_to(PACKAGE).parts)


def test_every_component_has_a_level():
    components = {_component(_module_name(p)) for p in _sources()} - {"", *ENTRY_POINTS}
    assert components <= set(LEVEL), f"components without a level: {components - set(LEVEL)}"


def check_module(path: Path, module: str) -> None:
    """Fail if ``path`` (module ``module``) imports a component above its own."""
    if module.rpartition(".")[2] in ENTRY_POINTS:
        return
    own = _component(module)
    if not own:         # sparrow/__init__.py: the version only
        assert _imports(path, module) == []
        return
    for target, line in _imports(path, module):
        other = _component(target)
        if other == own:
            continue
        assert other in LEVEL, f"{module}:{line} imports unknown {target}"
        assert LEVEL[other] < LEVEL[own], (
            f"{module}:{line} imports {target}: {other} is not below {own} "
            f"(levels: {other}={LEVEL[other]}, {own}={LEVEL[own]})")


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_against_the_data_direction(path):
    check_module(path, _module_name(path))


def test_the_checker_sees_a_lazy_upward_import(tmp_path):
    """The rule is not vacuous: an upward import inside a function is found, a downward one
    passes."""
    probe = tmp_path / "probe.py"
    probe.write_text("from ..errors import SparrowError\n\n"
                     "def f():\n    from ..flow import run_flow\n")
    with pytest.raises(AssertionError, match="flow is not below model"):
        check_module(probe, "sparrow.model.probe")
    probe.write_text("from ..errors import SparrowError\nfrom . import golden\n")
    check_module(probe, "sparrow.model.probe")
