"""The helpers of the import's hot paths: a second process for the cryptography, and the cyclic
garbage collector held off while millions of short-lived objects come and go."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

import pyarrow as pa

from xiezuo.core import crypto
from xiezuo.registry import columnar


@contextmanager
def paused_gc() -> Iterator[None]:
    """The row loop allocates millions of short-lived objects and makes no reference cycles;
    the cyclic collector, triggered by those allocations, would double its running time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Here(Executor):
    """The worker of a one-core machine: runs each call at once, in this process."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


@contextmanager
def crypto_worker() -> Iterator[Executor]:
    """A second process for the cryptography of an import (a third of the check's work, most of
    the household phones' in the commit) on a machine with more than one core. Forked at once,
    before DuckDB or the CSV reader start threads: it needs nothing but the keys, derived here
    first, and the interpreter. Calls run in the order they are submitted."""
    if (os.cpu_count() or 1) < 2:
        yield _Here()
        return
    crypto.keys()
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
        pool.submit(int).result()
        yield pool


@contextmanager
def sealer(
    worker: Executor,
) -> Iterator[Callable[[columnar.Checked, Callable[[pa.Table], None]], None]]:
    """Hashes and encrypts each chunk's ID numbers in the crypto worker while this process
    checks the next chunk, and hands the sealed rows to `write` in order."""
    pending: list[tuple[columnar.Checked, Callable[[pa.Table], None], Any]] = []

    def flush(keep: int) -> None:
        while len(pending) > keep:
            checked, write, future = pending.pop(0)
            write(checked.seal(future.result()))

    def seal(checked: columnar.Checked, write: Callable[[pa.Table], None]) -> None:
        pending.append((checked, write, worker.submit(columnar.protect, checked.ids)))
        flush(1)

    yield seal
    flush(0)
