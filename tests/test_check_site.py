import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from check_site import external_loads  # noqa: E402


def test_external_loads_are_found(tmp_path):
    (tmp_path / "a.html").write_text(
        '<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//cdn.example/y.css">'
        '<script src="_static/mathjax/tex-chtml.js"></script><a href="https://example.org">a link is fine</a>'
    )
    found = external_loads(tmp_path)
    assert len(found) == 2 and "cdn.example/x.js" in found[0]


def test_local_pages_pass(tmp_path):
    (tmp_path / "b.html").write_text('<img src="../_images/fig.png" alt="x">')
    assert external_loads(tmp_path) == []
