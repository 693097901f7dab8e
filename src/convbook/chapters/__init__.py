"""One module per chapter of the book, with the same stem as its notebook.

``convbook.chapters.X`` holds what ``book/X.ipynb`` computes beyond the core
operations: the chapter's experiments, figures and widgets. torch,
matplotlib and ipywidgets are imported here (and in :mod:`convbook.plotting`),
never by ``import convbook``. A chapter is four files with one stem:
``book/X.ipynb``, ``src/convbook/chapters/X.py``,
``src/convbook/exercises/X.py`` and ``tests/test_X.py``.
"""

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run torch on one thread inside the block, and restore the thread count after it.

    Trained experiments and timings use it, so that their results do not depend on how many cores the
    machine that builds the book has.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
