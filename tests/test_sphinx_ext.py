"""The book's Sphinx extension (``_ext/convbook_sphinx.py``): reading claims back from pages."""

import pathlib
import sys

from convbook.claims import Claim

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
from convbook_sphinx import ClaimRecord, parse_claims  # noqa: E402


def test_parse_claims_reads_back_what_claim_displays():
    shown = [
        Claim("a < b & c", 267960, 267960, "", "CLAIMS A1; seed 001", "claim-a"),
        Claim("ratio", 0.5001, 0.5, "±1 %", "", "claim-ratio"),
        Claim("holds", True, True, "", "seed 002", "claim-holds"),
    ]
    text = "<p>before</p>" + "".join(c._repr_html_() for c in shown) + "<p>after</p>"
    assert parse_claims(text) == [
        ClaimRecord("claim-a", "a < b & c", "267,960", "", "CLAIMS A1; seed 001"),
        ClaimRecord("claim-ratio", "ratio", "0.5001", "0.5, ±1 %", ""),
        ClaimRecord("claim-holds", "holds", "", "", "seed 002"),
    ]


def test_parse_claims_finds_the_claims_of_a_group():
    from convbook.claims import claim_group

    group = claim_group("two")
    group.claims += [Claim("x", 1, 1, "", "", "claim-x"), Claim("y", 2, 2, "", "", "claim-y")]
    assert [r.anchor for r in parse_claims(group._repr_html_())] == ["claim-x", "claim-y"]


def test_parse_claims_ignores_other_html():
    assert parse_claims('<div class="other" id="claim-x">✓ x</div>') == []


def test_redirect_page_is_complete():
    from convbook_sphinx import BARE_REDIRECT, redirect_page

    bare = '<meta http-equiv="Refresh" content="0; url=book/intro.html" />\n'
    target = BARE_REDIRECT.fullmatch(bare).group(1)
    page = redirect_page(target, "Convolutional Networks, Computed")
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta http-equiv="Refresh" content="0; url=book/intro.html">' in page
    assert '<a href="book/intro.html">Convolutional Networks, Computed</a>' in page
    assert BARE_REDIRECT.fullmatch(page) is None  # a second build leaves it alone


def test_favicon_ico():
    """The icon the site root serves (browsers ask for it by themselves): favicon.svg's design at 16/32/48 px."""
    from PIL import Image

    with Image.open(ROOT / "assets" / "favicon.ico") as ico:
        assert ico.format == "ICO"
        assert {(16, 16), (32, 32), (48, 48)} <= set(ico.info["sizes"])
        ico.size = (48, 48)
        pixels = ico.convert("RGB")
        centre, frame = pixels.getpixel((24, 24)), pixels.getpixel((24, 3))
        assert all(c >= 250 for c in centre)  # the centre weight, white
        assert all(abs(a - b) <= 2 for a, b in zip(frame, (0x1F, 0x4E, 0x79)))  # the frame


def test_the_build_reports_execution_times_and_warns_on_a_slow_notebook():
    from types import SimpleNamespace

    from convbook_sphinx import execution_times, slow_notebooks

    env = SimpleNamespace(found_docs={"book/a", "book/b", "book/intro"},
                          nb_metadata={"book/a": {"exec_data": {"runtime": 70.5}},
                                       "book/b": {"exec_data": {"runtime": 5.0}}})
    times = execution_times(env)
    assert times == {"book/a": 70.5, "book/b": 5.0}
    assert slow_notebooks(times, 60) == ["book/a took 70.5 s to execute, over the 60 s a chapter may take "
                                         "(convbook_max_notebook_seconds)"]
    assert slow_notebooks(times, 80) == []


def test_a_hanging_cell_fails_the_build():
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert 0 < config["execute"]["timeout"] <= 60 and config["execute"]["allow_errors"] is False
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True


def test_source_maps_are_dropped(tmp_path):
    from convbook_sphinx import drop_source_maps

    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "theme.js").write_text("var a = 1;\n//# sourceMappingURL=theme.js.map\n")
    (tmp_path / "scripts" / "theme.js.map").write_text("{" + " " * 99 + "}")
    (tmp_path / "theme.css").write_text("a{}\n/*# sourceMappingURL=theme.css.map*/")
    assert drop_source_maps(tmp_path) == 101
    assert not list(tmp_path.rglob("*.map"))
    assert (tmp_path / "scripts" / "theme.js").read_text() == "var a = 1;\n"
    assert "sourceMappingURL" not in (tmp_path / "theme.css").read_text()


def test_the_icon_script_is_emptied(tmp_path):
    from convbook_sphinx import ICON_SCRIPT, drop_icon_script

    script = tmp_path / ICON_SCRIPT
    script.parent.mkdir(parents=True)
    script.write_text("x" * 5000)
    assert drop_icon_script(tmp_path) > 4900 and script.stat().st_size < 100
    assert drop_icon_script(tmp_path / "elsewhere") == 0
