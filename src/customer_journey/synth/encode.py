"""Numpy arrays to the raw tables' Arrow columns: timestamps as text, codes as strings, padded ids."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from customer_journey.synth.config import SECONDS_PER_DAY

# the null of np.where(mask, values, NULL): an object array, as numpy makes of a bare None
NULL = np.array(None, dtype=object)


def ts_strings(epoch: int, days: np.ndarray) -> pa.Array:
    """UTC 'YYYY-MM-DD HH:MM:SS' strings for day offsets (null where not finite)."""
    finite = np.isfinite(days)
    secs = np.where(finite, epoch + np.floor(np.where(finite, days, 0.0) * SECONDS_PER_DAY), 0).astype("int64")
    arr = pa.array(secs, type=pa.timestamp("s"), mask=~finite)
    return pc.cast(arr, pa.string())


def dict_strings(values: Sequence[str] | np.ndarray, idx: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """The strings `values[idx]` (null where `mask`)."""
    dictionary = pa.array(list(values), type=pa.string())
    indices = pa.array(idx.astype("int32"), mask=mask)
    return pc.cast(pa.DictionaryArray.from_arrays(indices, dictionary), pa.string())


def padded(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """'C0000042'-style ids; safe on empty input (a chunk of visitors has no orders)."""
    if len(numbers) == 0:
        return np.array([], dtype=object)
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width))


def customer_ids(entities: np.ndarray) -> np.ndarray:
    """The customer_id of each entity index."""
    return padded("C", entities, 7)


def id_base(d0: int, chunk: int) -> int:
    """First row id of a (window, chunk): ids never collide across windows and chunks."""
    return (d0 * 10_000 + chunk) * 100_000_000
