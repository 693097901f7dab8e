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


def _site(tmp_path, errata_row):
    book = tmp_path / "book"
    book.mkdir(parents=True)
    (book / "ch.html").write_text('<div class="convbook-claim" id="claim-x" title="source: CLAIMS B7; seed 003" '
                                  'data-source="CLAIMS B7; seed 003">✓ x: 1</div>'
                                  '<a href="#nowhere">bad</a>')
    (book / "errata.html").write_text(f"<table><tr><th>item</th></tr><tr>{errata_row}</tr></table>")
    return tmp_path


def test_broken_anchor_is_reported(tmp_path):
    from check_site import broken_anchors

    root = _site(tmp_path, '<td>B7</td><td><a href="ch.html#claim-x">ok</a></td>')
    assert broken_anchors(root) == ["book/ch.html: link to #nowhere finds no such id"]


def test_errata_links_must_land_on_a_claim_with_the_same_item(tmp_path):
    from check_site import errata_mismatches

    assert errata_mismatches(_site(tmp_path, '<td>B7</td><td><a href="ch.html#claim-x">ok</a></td>')) == []
    bad = errata_mismatches(_site(tmp_path / "2", '<td>B8</td><td><a href="ch.html#claim-x">x</a></td>'))
    assert bad and "not a claim tagged CLAIMS B8" in bad[0]


def test_claims_index_must_list_exactly_the_claims_shown(tmp_path):
    from check_site import claims_index_mismatches

    root = _site(tmp_path, "")
    book = root / "book"
    (book / "claims.html").write_text('<a href="ch.html#claim-x">cell</a>')
    assert claims_index_mismatches(root) == []
    (book / "claims.html").write_text('<a href="ch.html#claim-y">cell</a>')
    assert claims_index_mismatches(root) == ["claims index does not list ch.html#claim-x",
                                             "claims index lists ch.html#claim-y, which no chapter shows"]


def test_stray_object_reprs_are_reported(tmp_path):
    from check_site import stray_reprs

    (tmp_path / "c.html").write_text(
        "<pre>&lt;Figure size 1300x840 with 9 Axes&gt;</pre>"
        "<pre>&lt;matplotlib.legend.Legend at 0x7f2f9654c390&gt;</pre>"
        "<p>x &lt; y and y &gt; z</p><pre>&lt;torch.nn.Conv2d object at 0xdeadbeef&gt;</pre>")
    found = stray_reprs(tmp_path)
    assert len(found) == 3 and "Figure size" in found[0] and "Legend at" in found[1]


def test_markdown_table_rendered_as_text_is_reported(tmp_path):
    from check_site import raw_markdown_tables

    (tmp_path / "e.html").write_text("<p>| layer | parameters | |—|—| | conv | 100 |</p>")
    (tmp_path / "f.html").write_text('<table><tr><td>ok</td></tr></table><pre>"|---|---|"</pre>')
    assert raw_markdown_tables(tmp_path) == ["e.html: a Markdown table rendered as text"]


def test_files_a_browser_asks_the_root_for_must_exist(tmp_path):
    from check_site import missing_root_files

    (tmp_path / "index.html").write_text("<p>x</p>")
    assert missing_root_files(tmp_path) == ["favicon.ico is missing from the site root"]
    (tmp_path / "favicon.ico").write_bytes(b"\0")
    assert missing_root_files(tmp_path) == []


CHAPTER = ('<article class="bd-article"><div class="cell"><div class="cell_input"><pre>n = conv_cost(28, 5)</pre></div>'
           '<div class="cell_output"><div class="convbook-claim" id="claim-flops"><span class="claim-mark">✓</span> '
           '<span class="claim-statement">edge detection FLOPs</span>: <span class="claim-value">267,960</span>'
           '</div></div></div>{prose}</article>')


def test_a_number_typed_in_prose_must_match_a_computed_one():
    from check_site import prose_numbers

    fine = CHAPTER.format(prose="<p>Edge detection takes 267,960 FLOPs on 28 inputs (§9.2, Fig. 9.6, seed 001, "
                                "VGG-16, 2016, 3 × 3), or <span class=\"pasted-text\">0.316</span> of it.</p>")
    assert prose_numbers(fine) == []
    drifted = CHAPTER.format(prose="<p>Edge detection takes 276,960 FLOPs.</p>")
    assert [n for n, _ in prose_numbers(drifted)] == ["276,960"]
    maths = CHAPTER.format(prose='<div class="math notranslate nohighlight">\\[ 54.5 \\]</div>')
    assert [n for n, _ in prose_numbers(maths)] == ["54.5"]
    assert prose_numbers("<article><p>Not a chapter: 276,960.</p></article>") == []
    caption = CHAPTER.replace('</div></div></div>', '<figure><figcaption><p>40 × 35 outputs</p></figcaption></figure>'
                              '</div></div></div>').format(prose="")
    assert [n for n, _ in prose_numbers(caption)] == ["40", "35"]  # a figure's caption is prose


def test_claim_lines_must_show_words_not_code(tmp_path):
    from check_site import claim_lines_in_code

    (tmp_path / "a.html").write_text(
        '<div class="convbook-claim" id="claim-a"><span class="claim-mark">✓</span> '
        "<span class=\"claim-statement\">max_pool2d{'kernel_size': 2}: equal</span></div>"
        '<div class="convbook-claim" id="claim-b"><span class="claim-mark">✓</span> '
        '<span class="claim-statement">2 × 2 windows: equal to torch</span></div>'
        '<div class="convbook-claim" id="claim-c"><span class="claim-mark">✓</span> '
        '<span class="claim-statement">checker accepts 56</span></div>')
    bad = claim_lines_in_code(tmp_path)
    assert len(bad) == 2 and "claim-a" in bad[0] and "claim-c: a claim about the apparatus" in bad[1]


def test_the_site_budget_and_source_maps(tmp_path):
    from check_site import MAX_PDF_BYTES, MAX_SITE_BYTES, site_weight

    (tmp_path / "a.html").write_text("x")
    assert site_weight(tmp_path) == []
    (tmp_path / "theme.js.map").write_text("{}")
    (tmp_path / "big.bin").write_bytes(b"0" * (MAX_SITE_BYTES + 1))
    bad = site_weight(tmp_path)
    assert "theme.js.map: a source map is shipped" in bad and "over 15,000,000" in bad[1]
    (tmp_path / "big.bin").unlink()
    (tmp_path / "theme.js.map").unlink()
    (tmp_path / "convbook.pdf").write_bytes(b"%PDF" + b"0" * (MAX_PDF_BYTES - 4))  # a download, budgeted on its own
    assert site_weight(tmp_path) == []
    (tmp_path / "convbook.pdf").write_bytes(b"%PDF" + b"0" * MAX_PDF_BYTES)
    assert site_weight(tmp_path) == [f"convbook.pdf weighs {MAX_PDF_BYTES + 4:,} bytes, over {MAX_PDF_BYTES:,}"]


def test_figures_and_exercises_are_numbered_within_their_chapter(tmp_path):
    from check_site import numbering_problems

    def page(*numbers):
        figs = "".join(f'<span class="caption-number">Fig. {n} </span>' for n in numbers)
        return ('<h1><span class="section-number">4. </span>Equivariance</h1><div class="cell"></div>' + figs
                + '<p class="admonition-title"><span class="caption-number">Exercise 4.1 </span></p>')

    (tmp_path / "good.html").write_text(page("4.1", "4.2"))
    assert numbering_problems(tmp_path) == []
    (tmp_path / "bad.html").write_text(page("19", "20"))
    assert numbering_problems(tmp_path) == ["bad.html: figure numbers ['19', '20'] are not ['4.1', '4.2']"]


def test_authoring_syntax_shown_as_text_is_reported(tmp_path):
    from check_site import authoring_syntax

    (tmp_path / "a.html").write_text("<p>a chapter writes {term}`receptive field` and the word links</p>")
    (tmp_path / "b.html").write_text('<div class="cell_input"><pre>{term}`x`</pre></div><p>fine</p>')
    assert authoring_syntax(tmp_path) == ["a.html: authoring syntax shown as text: '{term}`'"]


def test_a_reference_to_a_chapter_must_be_a_link(tmp_path):
    from check_site import missing_chapter_references

    (tmp_path / "a.html").write_text("<article><p>Winograd's trick is the subject of the chapter on fast "
                                     "algorithms.</p><p>See the chapter on pooling, "
                                     '<a href="pooling.html">Pooling</a>.</p></article>')
    bad = missing_chapter_references(tmp_path)
    assert len(bad) == 1 and "'the chapter on'" in bad[0] and "fast" in bad[0]


def test_every_page_states_the_licence(tmp_path):
    from check_site import missing_licence

    (tmp_path / "a.html").write_text('<footer><p>Text and figures: <a href="#">CC BY-SA 4.0</a>.</p></footer>')
    (tmp_path / "b.html").write_text("<footer></footer>")
    (tmp_path / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=book/intro.html">')
    assert missing_licence(tmp_path) == ["b.html: no licence in the footer"]
