"""One BLAS thread for the scoring maths.

The models here are small dense problems (dot products and matrix products over at most a few
hundred thousand rows): a second BLAS thread gains little on a two-core machine, and when the
machine is busy the pool's threads spin while they wait for each other. Measured at load 4-5 on
the 100,000-account store: one BG/NBD likelihood evaluation took 30-60 ms with the default two
threads and 3.5 ms with one; training the churn model took 1.2 s of CPU with two and 0.7 s with one.

So the first scoring call sets one BLAS thread for the whole process, and it stays so. A limit per
block cannot work under the API's worker threads: OpenBLAS keeps one process-wide pool whose size
only the thread that set it may change, so overlapping blocks in two threads left the pool at a
limit nobody restored. Nothing else in Polku gains from more BLAS threads (retrieval's vector
products use ``einsum``, which does not start them).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

_lock = threading.Lock()
_limited = False


def _limit_process() -> None:
    global _limited
    with _lock:
        if not _limited:
            # Building the controller scans the loaded libraries (numpy's and scipy's BLAS are loaded
            # by now); the limiter is dropped on purpose: nothing restores the limit.
            ThreadpoolController().limit(limits=1)
            _limited = True


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the block (or, as a decorator, the function) with one BLAS/OpenMP thread, as everything in
    this process does from the first such block on."""
    _limit_process()
    yield
