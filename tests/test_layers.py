"""The packages are layered one way (STYLE.md habit 15): no package imports one above it.

Read from the source with ``ast``, so an import inside a function or under ``TYPE_CHECKING``
counts the same as one at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Bottom to top. A package may import packages of a lower layer, never one of its own layer
# (other than itself) or above: detectors and providers know nothing of each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("detectors", "providers"),
    ("policies", "fronts"),
    ("gateway",),
    ("admin_api",),
    ("governs",),
)
LEVEL = {package: level for level, names in enumerate(LAYERS) for package in names}
# Modules that must not be imported from elsewhere even though their package is below.
PRIVATE = {"gateway.pipeline": {"gateway", "governs"}}


def imports_of(package: str, root: Path = ROOT) -> list[tuple[str, str]]:
    """(file, imported module) for every absolute import of a project package in ``package``."""
    found: list[tuple[str, str]] = []
    for path in sorted((root / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            found += [(str(path.relative_to(root)), n) for n in names if n.split(".")[0] in LEVEL]
    return found


def wrong_arrows(package: str, root: Path = ROOT) -> list[str]:
    return [
        f"{path} imports {module}"
        for path, module in imports_of(package, root)
        if (top := module.split(".")[0]) != package and LEVEL[top] >= LEVEL[package]
    ]


def test_every_package_of_the_project_is_in_a_layer() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench", "tools"}
    assert packages == set(LEVEL)


@pytest.mark.parametrize("package", sorted(LEVEL))
def test_no_package_imports_one_above_or_beside_it(package: str) -> None:
    wrong = wrong_arrows(package)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("module", sorted(PRIVATE))
def test_request_path_modules_are_imported_only_by_their_owners(module: str) -> None:
    wrong = [
        f"{path} imports {imported}"
        for package in sorted(set(LEVEL) - PRIVATE[module])
        for path, imported in imports_of(package)
        if imported == module or imported.startswith(f"{module}.")
    ]
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_a_wrong_arrow(tmp_path: Path) -> None:
    """An import inside a function, of a package above or beside, is found: a check that
    cannot fail is none."""
    (tmp_path / "providers").mkdir()
    (tmp_path / "providers" / "x.py").write_text(
        "import core.errors\n"
        "def f():\n    from gateway.errors import X\n"
        "def g():\n    import detectors.engine\n"
    )
    assert wrong_arrows("providers", tmp_path) == [
        "providers/x.py imports gateway.errors",
        "providers/x.py imports gateway.errors.X",
        "providers/x.py imports detectors.engine",
    ]
