"""The library's layout explains itself: a numpy-only core with one public API, and four files per chapter.

Core: the modules ``src/convbook/*.py`` except :mod:`convbook.plotting` (the
chapters' shared figures). Chapter wing: :mod:`convbook.chapters`,
:mod:`convbook.exercises`, :mod:`convbook.plotting`.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import convbook

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "convbook"
CORE = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "plotting"))
PUBLIC_CORE = [m for m in CORE if not m.startswith("_")]
HEAVY = ("torch", "matplotlib", "ipywidgets")
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("*.ipynb"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _module_all(name: str) -> list[str]:
    return list(importlib.import_module(f"convbook.{name}").__all__)


def test_every_public_name_of_the_core_is_exported_from_convbook():
    exported = set(convbook.__all__)
    for module in PUBLIC_CORE:
        missing = set(_module_all(module)) - exported
        assert not missing, f"convbook.{module}.__all__ names {sorted(missing)}, which convbook does not export"
        for name in _module_all(module):
            assert getattr(convbook, name) is getattr(importlib.import_module(f"convbook.{module}"), name)
    declared = {n for m in PUBLIC_CORE for n in _module_all(m)}
    assert exported == declared, f"convbook exports names no core module declares: {sorted(exported - declared)}"


def test_private_modules_declare_nothing_public():
    for module in (m for m in CORE if m.startswith("_")):
        names = getattr(importlib.import_module(f"convbook.{module}"), "__all__", [])
        assert not set(names) & set(convbook.__all__), module


def test_import_convbook_loads_no_torch_matplotlib_or_ipywidgets():
    code = f"import sys, convbook; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import convbook loaded {out.stdout.strip()}"


@pytest.mark.parametrize("module", CORE)
def test_core_modules_never_import_torch_matplotlib_or_ipywidgets(module):
    for node in ast.walk(_tree(PACKAGE / f"{module}.py")):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        for name in names:
            assert name.split(".")[0] not in HEAVY, f"convbook.{module} imports {name}; that belongs in a chapter"


def _all_sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _all_sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_another_modules_private_name(path):
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, f"{path.name} imports {private} from {node.module}"


def _shadowing(path: Path) -> list[str]:
    tree = _tree(path)
    modules = {a.asname or a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    taken = {n for n in dir(builtins) if not n.startswith("_")} | modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
                if a is not None and a.arg in taken and a.arg not in ("self", "cls"):
                    found.append(f"{getattr(node, 'name', 'lambda')}({a.arg}=)")
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.target.id in taken:
                    found.append(f"{node.name}.{item.target.id}")
    return found


@pytest.mark.parametrize("path", _all_sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_parameter_or_field_shadows_a_builtin_or_an_imported_module(path):
    # `output_size` (torch's name for the adaptive pools' argument) is a function, not a module or builtin
    assert _shadowing(path) == []


def test_the_shadowing_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy as np\nclass C:\n    bytes: int\ndef f(abs=0, np=1):\n    pass\n")
    assert _shadowing(bad) == ["C.bytes", "f(abs=)", "f(np=)"]


@pytest.mark.parametrize("stem", CHAPTERS)
def test_a_chapter_is_four_files_with_one_stem(stem):
    if not (ROOT / "book" / f"{stem}.ipynb").exists():
        pytest.skip("not a chapter notebook")
    for path in (PACKAGE / "chapters" / f"{stem}.py", PACKAGE / "exercises" / f"{stem}.py",
                 ROOT / "tests" / f"test_{stem}.py"):
        assert path.is_file(), f"chapter {stem} needs {path.relative_to(ROOT)}"


def test_no_chapter_module_without_its_notebook():
    for path in (PACKAGE / "chapters").glob("[!_]*.py"):
        assert path.stem in CHAPTERS, f"{path.name} has no notebook book/{path.stem}.ipynb"
    for path in (PACKAGE / "exercises").glob("[!_]*.py"):
        assert path.stem in CHAPTERS, f"exercises/{path.name} has no notebook book/{path.stem}.ipynb"


@pytest.mark.parametrize("stem", CHAPTERS)
def test_a_notebook_imports_the_library_one_way(stem):
    """``import convbook as cb``, ``from convbook.chapters import X as ch``,
    ``from convbook.exercises import X as ex``."""
    cells = json.loads((ROOT / "book" / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]
    code_cells = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    code = "\n".join(code_cells[1:])  # the first code cell is the hidden Colab set-up
    found = re.findall(r"^\s*(?:from|import) convbook\b.*$", code, re.M)
    assert sorted(line.strip() for line in found) == sorted([
        "import convbook as cb",
        f"from convbook.chapters import {stem} as ch",
        f"from convbook.exercises import {stem} as ex",
    ])


def test_chapter_modules_declare_what_they_define():
    for stem in CHAPTERS:
        module = importlib.import_module(f"convbook.chapters.{stem}")
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                assert obj.__module__ == module.__name__, f"{module.__name__}.__all__ lists {name} from elsewhere"


@pytest.mark.parametrize("module", PUBLIC_CORE)
def test_every_public_function_and_class_of_the_core_has_an_example(module):
    mod = importlib.import_module(f"convbook.{module}")
    for name in mod.__all__:
        obj = getattr(mod, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            doc = inspect.getdoc(obj) or ""
            assert "Examples\n--------" in doc and ">>>" in doc, f"convbook.{name} needs an Examples section"


# --- figures: made by the library, at the page's width, checked legible ------------------------------------------

FIGURE_MAKERS = {"subplots", "figure", "subplot_mosaic", "subplots_mosaic"}


def figure_functions_without_check(path: Path) -> list[str]:
    """Functions in ``path`` that create a matplotlib figure (``plt.subplots``, ``plt.figure``, ...) but never
    pass anything through ``check_legible``."""
    bad = []
    for node in ast.walk(_tree(path)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        calls = [c.func for c in ast.walk(node) if isinstance(c, ast.Call)]
        makes = any(isinstance(f, ast.Attribute) and f.attr in FIGURE_MAKERS
                    and isinstance(f.value, ast.Name) and f.value.id == "plt" for f in calls)
        checks = any((isinstance(f, ast.Name) and f.id == "check_legible")
                     or (isinstance(f, ast.Attribute) and f.attr == "check_legible") for f in calls)
        if makes and not checks:
            bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    return bad


FIGURE_SOURCES = [PACKAGE / "plotting.py", *sorted((PACKAGE / "chapters").glob("*.py"))]


@pytest.mark.parametrize("path", FIGURE_SOURCES, ids=lambda p: p.name)
def test_every_function_that_makes_a_figure_checks_it_is_legible(path):
    assert figure_functions_without_check(path) == []


def test_the_figure_rule_can_fail(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("import matplotlib.pyplot as plt\n\ndef plot_a():\n    fig, ax = plt.subplots()\n    return ax\n\n"
                   "def plot_b():\n    fig = plt.figure()\n    return check_legible(fig)\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert figure_functions_without_check(bad) == ["x.py:3 plot_a"]
    finally:
        ROOT = saved


@pytest.mark.parametrize("stem", CHAPTERS)
def test_a_notebook_draws_no_figure_itself(stem):
    """Figures come from the chapter module (drawn at the page's width and checked): a notebook calls them."""
    cells = json.loads((ROOT / "book" / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    found = re.findall(r"^.*\b(?:plt\.\w+|import matplotlib\S*|\.imshow\(|\.plot\(|figsize=).*$", code, re.M)
    assert not found, f"{stem}.ipynb draws figures itself:\n" + "\n".join(found)
