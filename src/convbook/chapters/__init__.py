"""One module per chapter of the book, with the same stem as its notebook.

``convbook.chapters.X`` holds what ``book/X.ipynb`` computes beyond the core
operations: the chapter's experiments, figures and widgets. torch,
matplotlib and ipywidgets are imported here (and in :mod:`convbook.plotting`),
never by ``import convbook``. A chapter is four files with one stem:
``book/X.ipynb``, ``src/convbook/chapters/X.py``,
``src/convbook/exercises/X.py`` and ``tests/test_X.py``.
"""
