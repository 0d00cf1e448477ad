"""The raw-folder sensor's file logic, as pure functions (no Dagster): what counts as a change set.

A scan maps each data file under the raw folder (relative path) to its fingerprint `[size, mtime_ns]`.
Ignored: any path with a part starting with `_` (the generator's `_truth/`, `_pending/`, manifests,
import reports) or `.` (hidden and editor files), and temporary or partial files (`*.tmp`, `*.part`,
`*.partial`, `*.crdownload`, `*.swp`, `*~`).

**A change set is built once it is stable.** The cursor remembers the scan last built successfully
(`built`) and the scan seen at the previous tick (`seen`). A scan that differs from `built` requests a
run only when it equals `seen`, i.e. nothing was added, grown or touched between two ticks: a file
still being copied or written (its size or mtime moving) waits for the next tick, so a run never reads
it half written. A scan equal to `built` requests nothing. With no cursor (a new Dagster instance) the
first stable scan requests one build, which brings the warehouse up to date with the folder.

**A change set counts as built only when its run succeeded.** The cursor keeps the run it requested
(`pending`: its scan and run key) until the run ends: while it is queued or running, nothing more is
requested (files arriving meanwhile wait for it); a success makes its scan `built`; a failure (a
model or test erroring, a lock timeout, a cancelled run) leaves `built` as it was, so the same files
are requested again at the next tick, up to MAX_ATTEMPTS runs; after that the sensor waits for the
files to change and says so in its skip reason.

Run keys are the scan's digest and a request number that only grows (`seq`), so a retry, or a folder
that returns to an earlier state, is a new run, while Dagster still never launches one request twice.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from customer_journey.warehouse_session import lock_path

MAX_ATTEMPTS = 3  # runs of one change set before the sensor waits for the files to change
# what a run ended as, for `decide`: None while it is queued or running (or not launched yet)
SUCCESS, FAILURE = "success", "failure"
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
    """The cursor as a dict with keys built, seen (Scan or None), pending ({scan, run_key} or None),
    failed ({scan, attempts} or None) and seq (int); a missing or unreadable one is empty."""
    try:
        state = json.loads(cursor) if cursor else {}
    except json.JSONDecodeError:
        state = {}
    if not isinstance(state, dict):
        state = {}
    return {
        "built": state.get("built"),
        "seen": state.get("seen"),
        "pending": state.get("pending"),
        "failed": state.get("failed"),
        "seq": int(state.get("seq") or 0),
    }


def pending_run_key(cursor: str | None) -> str | None:
    """The run key of the request still awaiting its run's end, if any."""
    pending = load_cursor(cursor)["pending"]
    return pending["run_key"] if pending else None


def decide(cursor: str | None, current: Scan, pending_outcome: str | None = None) -> Decision:
    """Whether the files in `current` call for a build, given the cursor of the previous tick and, when
    the cursor holds a pending request, how its run ended (SUCCESS, FAILURE, or None: not ended)."""
    state = load_cursor(cursor)
    pending = state["pending"]
    if pending is not None:
        if pending_outcome is None:
            state["seen"] = current
            return Decision(
                False, json.dumps(state), f"run {pending['run_key']} has not finished; looking again next tick"
            )
        if pending_outcome == SUCCESS:
            state["built"], state["failed"] = pending["scan"], None
        else:
            failed = state["failed"]
            attempts = failed["attempts"] + 1 if failed and failed["scan"] == pending["scan"] else 1
            state["failed"] = {"scan": pending["scan"], "attempts": attempts}
        state["pending"] = None
    built, seen, failed = state["built"], state["seen"], state["failed"]
    if built is not None and current == built:
        state["seen"] = current
        return Decision(False, json.dumps(state), "no new or changed raw files")
    delta = changes(built, current)
    summary = ", ".join(f"{len(v)} {k}" for k, v in delta.items() if v) or "first scan"
    if current != seen:
        state["seen"] = current
        return Decision(False, json.dumps(state), f"raw files changed ({summary}); waiting one tick for them to settle")
    if failed and failed["scan"] == current:
        if failed["attempts"] >= MAX_ATTEMPTS:
            return Decision(
                False,
                json.dumps(state),
                f"the build of these raw files ({summary}) failed {failed['attempts']} times: see the failed "
                "runs; the sensor tries again when the files change, or launch build_warehouse by hand",
            )
        summary += f"; attempt {failed['attempts'] + 1} of {MAX_ATTEMPTS} after a failed run"
    state["seq"] += 1
    run_key = f"{digest(current)}-{state['seq']}"
    state["pending"] = {"scan": current, "run_key": run_key}
    return Decision(True, json.dumps(state), summary, run_key)


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
