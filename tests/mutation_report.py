"""Summarise a mutmut run over the core (``make mutation``): the score, and every surviving mutant.

mutmut writes each mutated function next to its original in ``mutants/src``
and the outcome of each mutant in a ``.meta`` file beside it. This script
reads both (no mutmut needed), and sorts the survivors into two kinds:

* **message** — the mutant changed only the text of a string (an error
  message) or replaced the name a message gives the caller by ``None``: the
  behaviour is intact and only the wording a reader sees changed, which
  tests pin only in part;
* **logic** — anything else: a comparison, an operator, a number, a call.

Usage: ``python tests/mutation_report.py [mutants]``. Prints the score per
module and writes the survivors with their changed lines to
``mutants/survivors.txt``.
"""

from __future__ import annotations

import ast
import difflib
import io
import json
import sys
import tokenize
from collections import Counter
from pathlib import Path

#: mutmut's exit codes: 0 the tests passed (survived), 1/3 they failed (killed), 33 no tests, -24/36 timeout.
KILLED, SURVIVED, NO_TESTS = {1, 3}, {0}, {33}


def _functions(path: Path) -> dict[str, str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and "__mutmut_" in node.name:
            body = node.body[1:] if ast.get_docstring(node) else node.body
            if body:
                out[node.name] = "\n".join(lines[body[0].lineno - 1: body[-1].end_lineno])
    return out


def _code_tokens(text: str) -> list[str]:
    """The tokens of ``text`` with every string's content blanked, so that only code changes show."""
    tokens = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.STRING:
                tokens.append("<str>")
            elif tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                continue
            elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT):
                tokens.append(tok.string)
    except (tokenize.TokenError, IndentationError):
        return [text]
    return tokens


def _kind(original: str, mutant: str) -> str:
    a, b = _code_tokens(original), _code_tokens(mutant)
    if a == b:
        return "message"
    # the name of the function a message blames (``f``, a string) replaced by None, or dropped from a call
    if len(a) == len(b) and all(x == y or (x in ("f", "<str>", "caller") and y == "None") for x, y in zip(a, b)):
        return "message"
    return "logic"


def main(root: Path) -> int:
    totals: Counter[str] = Counter()
    lines = []
    print(f"{'module':22s} {'mutants':>8s} {'killed':>7s} {'timeout':>8s} {'no test':>8s} {'survived':>9s} "
          f"{'(message)':>10s} {'(logic)':>8s}")
    for meta in sorted((root / "src" / "convbook").glob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        functions = _functions(meta.with_suffix(""))
        count: Counter[str] = Counter()
        for key, code in sorted(codes.items()):
            name = key.rsplit(".", 1)[-1]
            if code is None:
                count["pending"] += 1
            elif code in KILLED:
                count["killed"] += 1
            elif code in NO_TESTS:
                count["no tests"] += 1
            elif code in SURVIVED:
                original = functions.get(name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig", "")
                kind = _kind(original, functions.get(name, ""))
                count[kind] += 1
                diff = [line for line in difflib.ndiff(original.splitlines(), functions.get(name, "").splitlines())
                        if line[:2] in ("- ", "+ ")]
                lines.append(f"[{kind}] {key}\n" + "\n".join("    " + d.strip() for d in diff))
            else:
                count["timeout"] += 1
        survived = count["message"] + count["logic"]
        print(f"{meta.name[:-8]:22s} {sum(count.values()):8d} {count['killed']:7d} {count['timeout']:8d} "
              f"{count['no tests']:8d} {survived:9d} {count['message']:10d} {count['logic']:8d}"
              + (f"  ({count['pending']} not run)" if count["pending"] else ""))
        totals.update(count)
    run = sum(totals.values()) - totals["pending"]
    caught = totals["killed"] + totals["timeout"]
    print(f"score: {caught} of {run} mutants killed or timed out ({100 * caught / max(run, 1):.1f} %); "
          f"without the message-text mutants {caught} of {run - totals['message']} "
          f"({100 * caught / max(run - totals['message'], 1):.1f} %)")
    (root / "survivors.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"survivors ({totals['logic']} logic, {totals['message']} message text): {root / 'survivors.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "mutants")))
