"""The raw-folder sensor's file logic, as pure functions (no Dagster): what counts as a change set.

A scan maps each data file under the raw folder (relative path) to its fingerprint `[size, mtime_ns]`.
Ignored: any path with a part starting with `_` (the generator's `_truth/`, `_pending/`, manifests,
import reports) or `.` (hidden and editor files), and temporary or partial files (`*.tmp`, `*.part`,
`*.partial`, `*.crdownload`, `*.swp`, `*~`).

**A change set is built once it is stable.** The cursor remembers the scan last built (`built`) and
the scan seen at the previous tick (`seen`). A scan that differs from `built` requests a run only when
it equals `seen`, i.e. nothing was added, grown or touched between two ticks: a file still being
copied or written (its size or mtime moving) waits for the next tick, so a run never reads it half
written. A scan equal to `built` requests nothing. With no cursor (a new Dagster instance) the first
stable scan requests one build, which brings the warehouse up to date with the folder.

The run key is a digest of the scan, so Dagster never launches the same change set twice.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from customer_journey.warehouse_session import lock_path

TEMP_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp", "~")

Scan = dict[str, list[int]]


def is_ignored(relative: str) -> bool:
    """True for paths the build does not read as data: `_`- or `.`-prefixed parts, temp files."""
    parts = Path(relative).parts
    if any(part.startswith(("_", ".")) for part in parts):
        return True
    return relative.endswith(TEMP_SUFFIXES)


def scan(raw_path: Path) -> Scan:
    """{relative path: [size, mtime_ns]} of the data files under `raw_path` (empty when it is absent)."""
    out: Scan = {}
    if not raw_path.is_dir():
        return out
    for path in sorted(raw_path.rglob("*")):
        relative = path.relative_to(raw_path).as_posix()
        if is_ignored(relative) or not path.is_file():
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:  # removed between listing and stat
            continue
        out[relative] = [stat.st_size, stat.st_mtime_ns]
    return out


def digest(files: Scan) -> str:
    """A short, stable digest of a scan: the run key of its change set."""
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]


def changes(before: Scan | None, after: Scan) -> dict[str, list[str]]:
    """The files added, changed (size or mtime) and removed from `before` to `after`."""
    before = before or {}
    return {
        "added": sorted(set(after) - set(before)),
        "changed": sorted(p for p in set(after) & set(before) if after[p] != before[p]),
        "removed": sorted(set(before) - set(after)),
    }


@dataclass(frozen=True)
class Decision:
    run: bool  # request one build of this change set
    cursor: str  # the sensor's next cursor (JSON)
    reason: str  # why (shown as the tick's skip reason or the run's tag)
    run_key: str | None = None


def load_cursor(cursor: str | None) -> dict:
    """The cursor as {"built": Scan | None, "seen": Scan | None}; a missing or unreadable one is empty."""
    try:
        state = json.loads(cursor) if cursor else {}
    except json.JSONDecodeError:
        state = {}
    return {"built": state.get("built"), "seen": state.get("seen")}


def decide(cursor: str | None, current: Scan) -> Decision:
    """Whether the files in `current` call for a build, given the cursor of the previous tick."""
    state = load_cursor(cursor)
    built, seen = state["built"], state["seen"]
    if built is not None and current == built:
        return Decision(False, json.dumps({"built": built, "seen": current}), "no new or changed raw files")
    delta = changes(built, current)
    summary = ", ".join(f"{len(v)} {k}" for k, v in delta.items() if v) or "first scan"
    if current != seen:
        return Decision(
            False,
            json.dumps({"built": built, "seen": current}),
            f"raw files changed ({summary}); waiting one tick for them to settle",
        )
    return Decision(True, json.dumps({"built": current, "seen": current}), summary, digest(current))


def warehouse_busy(database: Path) -> bool:
    """True while another process holds the warehouse's build lock (customer_journey.warehouse_session)."""
    path = lock_path(database)
    if not path.exists():
        return False
    with open(path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False
