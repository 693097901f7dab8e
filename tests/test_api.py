"""The public API: every exported name exists, is documented, and the package is typed."""

import importlib.resources
import inspect

import convbook


def test_all_names_exist_and_are_documented():
    for name in convbook.__all__:
        obj = getattr(convbook, name)
        if not callable(obj) or not hasattr(obj, "__module__") or obj.__module__ == "typing":
            continue  # a type alias or a constant, documented by its #: comment
        doc = inspect.getdoc(obj)
        assert doc and len(doc.splitlines()[0]) > 10, f"convbook.{name} needs a docstring"


def test_functions_document_shapes_or_returns():
    for name in convbook.__all__:
        obj = getattr(convbook, name)
        if inspect.isfunction(obj):
            doc = inspect.getdoc(obj)
            assert any(w in doc for w in ("shape", "Shape", "Returns", "returns", "Return")), name


def test_py_typed_marker_ships():
    assert importlib.resources.files("convbook").joinpath("py.typed").is_file()
