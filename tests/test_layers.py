"""The layers of sim/: the core stands alone, and no module imports itself back.

Imports are read from the source with `ast`, including those inside functions (a deferred
import is still a dependency), so these tests see what `import` would do without running it.
"""

import ast
import subprocess
import sys
from pathlib import Path

import sim

PACKAGE = Path(sim.__file__).resolve().parent
HEAVY = ("hydra", "omegaconf", "matplotlib")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str) -> set[str]:
    """The modules of sim that module ``name`` imports, anywhere in its source."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from package import module`` depends on the module, else on the package
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        else:
            continue
        found |= {t for t in targets if t in MODULES and t != name}
    return found


GRAPH = {name: imported(name) for name in MODULES}


def test_the_import_reader_sees_known_imports():
    assert "sim.core.conduct" in GRAPH["sim.core.agents"]
    assert "sim.core.rules.base" in GRAPH["sim.core.rules.reciprocal"]
    assert "sim.core.model" in GRAPH["sim.analysis.likelihood"]


def test_importing_the_core_loads_no_hydra_omegaconf_or_matplotlib():
    """In a fresh interpreter, so nothing else the test run imported can hide a load."""
    assert heavy_modules_loaded(["sim.core", "sim.core.model", "sim.history"]) == []


def heavy_modules_loaded(modules: list[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """The ``heavy`` packages' modules a fresh interpreter has after ``modules``."""
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return ast.literal_eval(result.stdout.strip())


def test_the_subprocess_check_sees_a_layer_that_loads_hydra():
    assert "hydra" in heavy_modules_loaded(["sim.experiment.config"])


def test_the_run_command_loads_no_statsmodels():
    """`escalation run` and every sweep job start without statsmodels (1.3 s of a 5.6 s
    start-up on a slow machine), although the command module reaches the report modules of
    `compare` and `calibrate`: statsmodels is for those commands' baselines and tests only."""
    run_path = ["sim.cli", "sim.experiment.launch", "sim.experiment.job", "sim.reports.calibration"]
    assert heavy_modules_loaded([*run_path, "sim.reports.comparison"], ("statsmodels",)) == []
    # and the check itself sees statsmodels once something loads it
    assert "statsmodels" in heavy_modules_loaded(["statsmodels.api"], ("statsmodels",))


def test_the_core_imports_no_other_subpackage_of_sim():
    outside = {
        name: sorted(t for t in targets if not t.startswith("sim.core"))
        for name, targets in GRAPH.items()
        if name.startswith("sim.core")
    }
    assert {name: t for name, t in outside.items() if t} == {}


def test_the_core_imports_no_hydra_omegaconf_or_matplotlib_anywhere():
    for name, path in MODULES.items():
        if not name.startswith("sim.core"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            roots = []
            if isinstance(node, ast.Import):
                roots = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                roots = [node.module.split(".")[0]]
            assert not set(roots) & set(HEAVY), f"{name} imports {roots}"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for child in sorted(graph[node]):
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in on_stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_sim():
    assert cycles(GRAPH) == []
