"""dedup: find and remove duplicated and near-duplicated paragraphs in text.

The library API lives in :mod:`dedup.api` (``check_paths``, ``check_texts``);
the ``dedup`` command is a thin layer over it.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
