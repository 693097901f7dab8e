"""The book's Sphinx extension (``_ext/convbook_sphinx.py``): reading claims back from pages."""

import pathlib
import sys

from convbook.claims import Claim

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "_ext"))
from convbook_sphinx import ClaimRecord, parse_claims  # noqa: E402


def test_parse_claims_reads_back_what_claim_displays():
    shown = [
        Claim("a < b & c", 267960, 267960, "", "CLAIMS A1; seed 001", "claim-a"),
        Claim("ratio", 0.5, 0.5, ", ±0.01 relative", "", "claim-ratio"),
    ]
    text = "<p>before</p>" + "".join(c._repr_html_() for c in shown) + "<p>after</p>"
    assert parse_claims(text) == [
        ClaimRecord("claim-a", "a < b & c", "267,960", "267,960", "CLAIMS A1; seed 001"),
        ClaimRecord("claim-ratio", "ratio", "0.5", "0.5, ±0.01 relative", ""),
    ]


def test_parse_claims_ignores_other_html():
    assert parse_claims('<div class="other" id="claim-x">✓ x</div>') == []
