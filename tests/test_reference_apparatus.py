"""Bibliography and glossary: every chapter cites, every citation resolves, every term is bilingual."""

from __future__ import annotations

import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
CITE = re.compile(r"\{cite:[a-z]+\}`([^`]+)`")
HAN = re.compile(r"[\u4e00-\u9fff]")


def _bib_keys() -> set[str]:
    return set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), re.M))


def _chapters() -> list[pathlib.Path]:
    return sorted((ROOT / "book").glob("*.ipynb"))


def _markdown(nb_path: pathlib.Path) -> str:
    nb = json.loads(nb_path.read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_required_works_are_in_the_bibliography():
    required = {"goodfellow2016deep", "lecun1989backpropagation", "lecun1998gradient", "fukushima1980neocognitron",
                "hubel1962receptive", "olshausen1996emergence", "yu2016multi", "wang2018understanding",
                "szegedy2015going", "howard2017mobilenets", "hu2018squeeze", "zhang2018shufflenet",
                "lavin2016fast", "coates2011importance", "jarrett2009best", "saxe2011random"}
    assert required <= _bib_keys(), sorted(required - _bib_keys())


def test_every_chapter_cites_its_sources_and_every_key_exists():
    keys = _bib_keys()
    for path in _chapters():
        cited = {k.strip() for group in CITE.findall(_markdown(path)) for k in group.split(",")}
        assert "goodfellow2016deep" in cited, f"{path.name} does not cite the book it follows"
        assert cited <= keys, f"{path.name} cites unknown keys {sorted(cited - keys)}"


def _glossary_entries() -> list[list[str]]:
    text = (ROOT / "book" / "glossary.md").read_text()
    body = text.split("```{glossary}\n", 1)[1].rsplit("```", 1)[0]
    return [block.splitlines() for block in body.strip("\n").split("\n\n")]


def test_glossary_is_bilingual_and_alphabetical():
    entries = _glossary_entries()
    assert len(entries) >= 20
    heads = []
    for lines in entries:
        terms = [ln for ln in lines if ln and not ln.startswith(" ")]
        assert terms and not HAN.search(terms[0]), f"entry must start with the English term: {lines[0]!r}"
        assert any(HAN.search(t) for t in terms[1:]), f"{terms[0]!r} has no Chinese term"
        assert any(ln.startswith("  ") for ln in lines), f"{terms[0]!r} has no definition"
        heads.append(terms[0].lower())
    assert heads == sorted(heads), "glossary entries are not in alphabetical order"


def test_chapters_link_key_terms_to_the_glossary():
    terms = {t.lower() for lines in _glossary_entries() for t in lines if t and not t.startswith(" ")}
    for path in _chapters():
        used = re.findall(r"\{term\}`([^`]+)`", _markdown(path))
        assert used, f"{path.name} links no term to the glossary"
        for u in used:
            target = re.sub(r"^.*<(.+)>$", r"\1", u).lower()
            assert target in terms, f"{path.name}: {{term}}`{u}` is not in the glossary"


def test_every_correction_a_chapter_makes_is_on_the_errata_page():
    """A claim tagged ``CLAIMS Bn`` corrects the notes; the errata page must list item Bn.

    (The site check verifies the other direction: each errata row links to a claim with its tag.)
    """
    tagged = set()
    for nb in _chapters():
        code = "\n".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
        tagged |= set(re.findall(r"CLAIMS (B\d+)\b", code))
    listed = set(re.findall(r"^\| (B\d+) \|", (ROOT / "book" / "errata.md").read_text(), re.M))
    assert tagged, "no chapter tags a correction"
    assert tagged <= listed, f"corrections made but missing from the errata page: {sorted(tagged - listed)}"
