"""Book hygiene: notebooks are committed without outputs and the table of contents is complete."""

import json
import pathlib

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for e in entries:
            if "file" in e:
                files.append(e["file"])
            walk(e.get("sections", []))
            for part in e.get("chapters", []):
                walk([part])

    walk(toc.get("chapters", []))
    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    return files


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_outputs(nb):
    data = json.loads(nb.read_text())
    for i, cell in enumerate(data["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{nb.name}: cell {i} has outputs; strip them before committing"
            assert cell.get("execution_count") is None, f"{nb.name}: cell {i} has an execution count"


def test_toc_lists_only_existing_files():
    for f in toc_files():
        assert any((ROOT / f"{f}{ext}").exists() for ext in ("", ".md", ".ipynb")), f"_toc.yml lists missing {f}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_is_in_the_toc(nb):
    assert str(nb.relative_to(ROOT).with_suffix("")) in toc_files()


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_imports_the_library_and_asserts_claims(nb):
    src = "".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
    assert "convbook" in src
    assert "claim(" in src


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_is_captioned_and_named(nb):
    """A named figure that a cell displays twice is a duplicate target, which fails the strict build."""
    for i, cell in enumerate(json.loads(nb.read_text())["cells"]):
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
        if figure is not None:
            assert figure.get("caption", "").strip(), f"{nb.name}: cell {i} has a figure without a caption"
            assert figure.get("name", "").startswith("fig-"), f"{nb.name}: cell {i}: name its figure fig-…"
