"""One BLAS thread for the scoring maths.

The models here are small dense problems (dot products and matrix products over at most a few
hundred thousand rows): a second BLAS thread gains little on a two-core machine, and when the
machine is busy the pool's threads spin while they wait for each other. Measured at load 4-5 on
the 100,000-account store: one BG/NBD likelihood evaluation took 30-60 ms with the default two
threads and 3.5 ms with one; training the churn model took 1.2 s of CPU with two and 0.7 s with one.

(``threadpoolctl`` comes with scikit-learn, which requires it.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from threadpoolctl import ThreadpoolController


@cache
def _controller() -> ThreadpoolController:
    # built on first use, when numpy's and scipy's BLAS are loaded; building it scans the loaded
    # libraries (about a millisecond), applying a limit afterwards costs microseconds
    return ThreadpoolController()


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the block (or, as a decorator, the function) with one BLAS/OpenMP thread; the previous limits
    are restored after it."""
    with _controller().limit(limits=1):
        yield
