"""Progress of long work (the generator, the importers, the benchmark) on stderr, quiet in CI.

    progress = Progress("synth d00000-00150", total=8, unit="chunks", quiet=args.quiet)
    for chunk in chunks:
        ...
        progress.advance(rows=written, files=1, bytes=size)
    progress.finish()

On a terminal it is one line rewritten in place (`\\r`) at most every `interval` seconds:

    synth d00000-00150  3/8 chunks 38%  rows 1,204,311  files 21  41.0 MiB  4.2s  ETA 7.0s

then a summary line (`synth d00000-00150: 8/8 chunks, rows 3,211,496, files 56, 109.3 MiB in 11.2s`).
It prints nothing with `quiet=True` or when the stream is not a terminal (CI, pipes, files), unless
the environment says otherwise: CJ_PROGRESS=1 shows it anyway (plain lines, at most one every
`log_interval` seconds, on a stream that is not a terminal), CJ_PROGRESS=0 never shows it.
`quiet` always wins. Counts named `bytes` (or ending in `_bytes`) are shown as sizes.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

ENV = "CJ_PROGRESS"


def wanted(quiet: bool, stream: TextIO) -> bool:
    """Whether progress is shown on `stream`: never when quiet; CJ_PROGRESS=1/0 forces; else a terminal only."""
    if quiet:
        return False
    forced = os.environ.get(ENV, "").strip().lower()
    if forced in ("1", "true", "yes", "on"):
        return True
    if forced in ("0", "false", "no", "off"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def seconds(value: float) -> str:
    """4.2s, 3m05s, 1h02m."""
    if value < 60:
        return f"{value:.1f}s"
    minutes, secs = divmod(int(round(value)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def size(value: float) -> str:
    """A byte count as 512 B, 41.0 KiB, 3.2 MiB, 1.1 GiB."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _count(name: str, value: float) -> str:
    if name == "bytes":
        return size(value)
    if name.endswith("_bytes"):
        return f"{name.removesuffix('_bytes').replace('_', ' ')} {size(value)}"
    shown = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return f"{name.replace('_', ' ')} {shown}"


class Progress:
    """A progress line for one piece of work: steps done (of `total`, when known), named counts, a phase.

    `advance()` adds steps and counts, `set()` sets counts (or the phase) to a value, `log()` writes a
    line that stays (above the updating one), `echo()` prints to stdout without breaking the line,
    `ticking()` redraws from a thread while a blocking call runs, `finish()` writes the summary.
    As a context manager it finishes on exit (and says `stopped` when an exception leaves it).
    """

    def __init__(
        self,
        label: str,
        *,
        total: int | None = None,
        unit: str = "steps",
        eta: bool = True,
        quiet: bool = False,
        stream: TextIO | None = None,
        interval: float = 0.5,
        log_interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.eta = eta  # False when the steps differ too much in size for a linear estimate
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = wanted(quiet, self.stream)
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.interval = interval if self.tty else max(interval, log_interval)
        self.clock = clock
        self.started = clock()
        self.done = 0
        self.counts: dict[str, float] = {}
        self.phase = ""
        self.finished = False
        self._drawn_at: float | None = None
        self._width = 0  # characters of the line on screen, to blank out when a shorter one replaces it
        self._lock = threading.RLock()

    # --- what happened -------------------------------------------------------------------------

    def advance(self, steps: int = 1, **counts: float) -> None:
        """`steps` more steps done, and `counts` added to the named counts."""
        with self._lock:
            self.done += steps
            for name, value in counts.items():
                self.counts[name] = self.counts.get(name, 0) + value
            self._draw()

    def set(self, phase: str | None = None, done: int | None = None, **counts: float) -> None:
        """The current phase (text shown after the counts; '' for none), the steps done and counts, set to a value."""
        with self._lock:
            if phase is not None:
                self.phase = phase
            if done is not None:
                self.done = done
            self.counts.update(counts)
            self._draw()

    def set_counts(self, counts: dict[str, float]) -> None:
        """Counts whose names are data (a table name per count), set to a value."""
        with self._lock:
            self.counts.update(counts)
            self._draw()

    def elapsed(self) -> float:
        return self.clock() - self.started

    # --- output -------------------------------------------------------------------------------

    def line(self) -> str:
        """The progress line as it is now."""
        elapsed = self.elapsed()
        parts = [self.label]
        if self.total is not None:
            percent = 100 * self.done / self.total if self.total else 100.0
            parts.append(f"{self.done:,}/{self.total:,} {self.unit} {percent:.0f}%")
        elif self.done:
            parts.append(f"{self.done:,} {self.unit}")
        parts.extend(_count(name, value) for name, value in self.counts.items())
        if self.phase:
            parts.append(self.phase)
        parts.append(seconds(elapsed))
        if self.eta and self.total and 0 < self.done < self.total:
            parts.append(f"ETA {seconds(elapsed / self.done * (self.total - self.done))}")
        return "  ".join(parts)

    def summary(self) -> str:
        """The final line: what was done, in how long."""
        parts = []
        if self.total is not None:
            parts.append(f"{self.done:,}/{self.total:,} {self.unit}")
        elif self.done:
            parts.append(f"{self.done:,} {self.unit}")
        parts.extend(_count(name, value) for name, value in self.counts.items())
        return f"{self.label}: {', '.join(parts) or 'done'} in {seconds(self.elapsed())}"

    def _draw(self) -> None:
        if not self.enabled or self.finished:
            return
        now = self.clock()
        if self._drawn_at is not None and now - self._drawn_at < self.interval:
            return
        self._drawn_at = now
        if self.tty:
            self._overwrite(self._fit(self.line()))
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def _fit(self, text: str) -> str:
        """Cut to the terminal's width, so `\\r` can rewrite it (a wrapped line cannot be)."""
        try:  # the stream's own terminal: stdout may be redirected while stderr is not
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            columns = 0
        if columns <= 0:  # not known (some pseudo-terminals say 0): $COLUMNS, stdout's terminal, or 120
            columns = shutil.get_terminal_size((120, 24)).columns
        return text if len(text) < columns else text[: max(columns - 4, 10)] + "..."

    def _overwrite(self, text: str) -> None:
        self.stream.write("\r" + text + " " * max(self._width - len(text), 0))
        self._width = len(text)

    def _clear(self) -> None:
        if self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0

    def log(self, text: str) -> None:
        """A line that stays, above the progress line (when progress is shown); the next update redraws it."""
        if not self.enabled:
            return
        with self._lock:
            self._clear()
            self.stream.write(text + "\n")
            self.stream.flush()
            self._drawn_at = None

    def echo(self, text: str, out: TextIO | None = None) -> None:
        """Print `text` to stdout (always, whether or not progress is shown) without mixing it into the line."""
        with self._lock:
            if self.enabled:
                self._clear()
                self.stream.flush()
                self._drawn_at = None
            print(text, file=out if out is not None else sys.stdout, flush=True)

    @contextmanager
    def ticking(self, phase: str | None = None) -> Iterator[Progress]:
        """Redraw every `interval` from a thread while the body blocks (a subprocess, one SQL statement)."""
        if phase is not None:
            self.set(phase=phase)
        if not self.enabled:
            yield self
            return
        stop = threading.Event()

        def tick() -> None:
            while not stop.wait(self.interval):
                with self._lock:
                    self._draw()

        thread = threading.Thread(target=tick, name=f"progress {self.label}", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()

    def finish(self, summary: str | None = None) -> None:
        """Replace the progress line with the summary (once)."""
        with self._lock:
            if self.finished:
                return
            self.finished = True
            if not self.enabled:
                return
            self._clear()
            self.stream.write((summary if summary is not None else self.summary()) + "\n")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.finish(None if kind is None else f"{self.summary()} (stopped: {kind.__name__})")
