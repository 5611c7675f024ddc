"""dedup: find and remove duplicated and near-duplicated paragraphs in text.

The library API lives in :mod:`dedup.api` (``check_paths``, ``check_texts``);
the ``dedup`` command is a thin layer over it.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]

#: True in the process of the ``dedup`` command (:func:`dedup.cli.run`),
#: which runs nothing else: set-up that would change third-party libraries
#: for other code in the process is done only there (see
#: :func:`dedup.kernels._skip_blas_probe`).
OWN_PROCESS = False
