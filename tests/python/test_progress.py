"""Progress lines (customer_journey.progress): on a terminal they update in place and end with a summary;
with --quiet, without a terminal (CI) or with CJ_PROGRESS=0 nothing is printed; CJ_PROGRESS=1 forces plain
lines. The generator, the importers and the benchmark write the same files and the same stdout either way."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import re
import sys
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import REPO
from customer_journey.importers import (
    EventLogOptions,
    InvoiceLinesOptions,
    import_event_log,
    import_invoice_lines,
    parse_action_map,
)
from customer_journey.importers.event_log import DEFAULT_MAP
from customer_journey.progress import Progress, seconds, size
from customer_journey.synth import SynthConfig, generate


class FakeTTY(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    monkeypatch.delenv("CJ_PROGRESS", raising=False)
    monkeypatch.setenv("COLUMNS", "250")  # no cutting of the line to a narrow terminal


def _redraws(text: str) -> list[str]:
    """The successive contents of the updating line (the text between carriage returns), blanks dropped."""
    return [part.rstrip() for part in re.split(r"[\r\n]", text) if part.strip()]


def _tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# --- the reporter -------------------------------------------------------------------------------


def test_a_terminal_gets_one_line_updated_in_place_throttled_then_a_summary():
    stream, clock = FakeTTY(), FakeClock()
    progress = Progress("synth d00000-00010", total=4, unit="chunks", stream=stream, interval=0.5, clock=clock)
    progress.set(phase="drawing the population")
    clock.now += 1.0
    progress.advance(rows=1_200, files=3, bytes=3 * 1024 * 1024)
    clock.now += 0.1  # inside the interval: counted, not drawn
    progress.advance(rows=800, files=2, bytes=1024 * 1024)
    clock.now += 0.9
    progress.advance(rows=1_000, files=2, bytes=1024 * 1024)
    clock.now += 2.0
    progress.finish()
    text = stream.getvalue()

    assert "\n" not in text[: text.rindex("\r")]  # updates rewrite the line, only the summary ends it
    assert text.startswith("\rsynth d00000-00010")
    lines = _redraws(text)
    assert lines == [
        "synth d00000-00010  0/4 chunks 0%  drawing the population  0.0s",
        "synth d00000-00010  1/4 chunks 25%  rows 1,200  files 3  3.0 MiB  drawing the population  1.0s  ETA 3.0s",
        "synth d00000-00010  3/4 chunks 75%  rows 3,000  files 7  5.0 MiB  drawing the population  2.0s  ETA 0.7s",
        "synth d00000-00010: 3/4 chunks, rows 3,000, files 7, 5.0 MiB in 4.0s",
    ]
    assert text.endswith("in 4.0s\n")


def test_a_shorter_redraw_blanks_the_rest_of_the_longer_line():
    stream, clock = FakeTTY(), FakeClock()
    progress = Progress("x", stream=stream, clock=clock)
    progress.set(phase="a long phase name")
    clock.now += 1
    progress.set(phase="")
    first, second = stream.getvalue().split("\r")[1:3]
    assert len(second) == len(first) and second.rstrip() == "x  1.0s"


def test_a_line_wider_than_the_terminal_is_cut_so_it_can_be_rewritten(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    stream = FakeTTY()
    progress = Progress("cj import event-log", stream=stream)
    progress.set(files=1, rows_read=3_000_000, phase="numbering the events")
    line = stream.getvalue().lstrip("\r")
    assert len(line) < 40 and line == "cj import event-log  files 1  rows r..."


def test_without_a_terminal_or_when_quiet_nothing_is_printed(monkeypatch):
    for stream, quiet, forced in (
        (io.StringIO(), False, None),  # CI: stderr is a pipe or a file
        (FakeTTY(), True, None),  # --quiet
        (FakeTTY(), False, "0"),  # CJ_PROGRESS=0
        (FakeTTY(), True, "1"),  # --quiet wins over CJ_PROGRESS=1
    ):
        if forced is None:
            monkeypatch.delenv("CJ_PROGRESS", raising=False)
        else:
            monkeypatch.setenv("CJ_PROGRESS", forced)
        with Progress("quiet", total=2, stream=stream, quiet=quiet) as progress:
            progress.advance(rows=5)
            progress.log("a step")
            with progress.ticking(phase="waiting"):
                time.sleep(0.02)
            progress.advance(rows=5)
        assert stream.getvalue() == "", (quiet, forced)
        assert progress.done == 2 and progress.counts == {"rows": 10}


def test_cj_progress_1_forces_plain_lines_on_a_stream_that_is_not_a_terminal(monkeypatch):
    monkeypatch.setenv("CJ_PROGRESS", "1")
    stream, clock = io.StringIO(), FakeClock()
    progress = Progress("import", total=3, unit="files", stream=stream, interval=0.5, log_interval=10, clock=clock)
    progress.advance(rows_read=10)
    clock.now += 5  # a log gets a line at most every log_interval seconds
    progress.advance(rows_read=10)
    clock.now += 6
    progress.advance(rows_read=10)
    progress.finish()
    assert "\r" not in stream.getvalue()
    assert stream.getvalue().splitlines() == [
        "import  1/3 files 33%  rows read 10  0.0s  ETA 0.0s",
        "import  3/3 files 100%  rows read 30  11.0s",
        "import: 3/3 files, rows read 30 in 11.0s",
    ]


def test_log_lines_stay_above_and_echo_goes_to_stdout_without_breaking_the_line():
    stream, out, clock = FakeTTY(), io.StringIO(), FakeClock()
    progress = Progress("bench", total=2, unit="sizes", eta=False, stream=stream, clock=clock)
    progress.set(phase="10 customers: full build")
    clock.now += 3
    progress.log("  full build 3.0s")
    progress.echo("summary row", out=out)
    progress.set(phase="10 customers: compare")
    progress.finish()
    assert out.getvalue() == "summary row\n"
    text = stream.getvalue()
    # the permanent line starts after the progress line was blanked out, and ends with a newline
    assert re.search(r"\r +\r  full build 3\.0s\n", text)
    assert "ETA" not in text
    assert _redraws(text)[-2:] == ["bench  0/2 sizes 0%  10 customers: compare  3.0s", "bench: 0/2 sizes in 3.0s"]


def test_ticking_redraws_the_elapsed_time_while_the_caller_blocks():
    stream = FakeTTY()
    progress = Progress("import", stream=stream, interval=0.01)
    with progress.ticking(phase="reading"):
        time.sleep(0.2)  # one blocking call (a DuckDB statement, a subprocess)
    ticks = _redraws(stream.getvalue())
    assert len(ticks) >= 5 and all(t.startswith("import  reading  ") for t in ticks)
    assert len({t.rsplit("  ", 1)[1] for t in ticks}) >= 3  # the elapsed time moved
    assert not any(t.name.startswith("progress ") for t in threading.enumerate())  # the thread is gone


def test_an_exception_ends_the_line_with_how_far_it_got():
    stream = FakeTTY()
    with pytest.raises(KeyboardInterrupt), Progress("synth", total=5, unit="chunks", stream=stream) as progress:
        progress.advance(rows=7)
        raise KeyboardInterrupt
    assert stream.getvalue().endswith("synth: 1/5 chunks, rows 7 in 0.0s (stopped: KeyboardInterrupt)\n")


def test_durations_and_sizes_read_naturally():
    assert [seconds(s) for s in (0, 4.24, 59.9, 65, 3599, 3720)] == [
        "0.0s",
        "4.2s",
        "59.9s",
        "1m05s",
        "59m59s",
        "1h02m",
    ]
    assert [size(b) for b in (0, 512, 1536, 5 * 2**20, 3 * 2**30, 2**42)] == [
        "0 B",
        "512 B",
        "1.5 KiB",
        "5.0 MiB",
        "3.0 GiB",
        "4,096.0 GiB",
    ]


# --- the generator ------------------------------------------------------------------------------


def _generate(out: Path, quiet: bool) -> None:
    generate(SynthConfig(customers=60, days=10, seed=9, dirt_rate=0.02, chunk_size=20), out, quiet=quiet)
    generate(SynthConfig(), out, append_days=2, quiet=quiet)


def test_the_generator_shows_chunks_rows_and_files_on_a_terminal_and_writes_the_same_bytes(tmp_path, monkeypatch):
    shown, quiet = FakeTTY(), FakeTTY()
    monkeypatch.setattr(sys, "stderr", shown)
    _generate(tmp_path / "shown", quiet=False)
    monkeypatch.setattr(sys, "stderr", quiet)
    _generate(tmp_path / "quiet", quiet=True)
    monkeypatch.setattr(sys, "stderr", sys.__stderr__)

    assert quiet.getvalue() == ""
    assert _tree_hash(tmp_path / "shown") == _tree_hash(tmp_path / "quiet")
    summaries = [line for line in _redraws(shown.getvalue()) if ": " in line]
    assert [s.split(":")[0] for s in summaries] == ["synth d00000-00010", "synth d00010-00012"]
    for summary, tag in zip(summaries, ("d00000-00010", "d00010-00012"), strict=True):
        parts = sorted((tmp_path / "shown").glob(f"*/part-{tag}-*.parquet"))
        rows = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
        size_on_disk = sum(p.stat().st_size for p in parts)
        assert re.fullmatch(
            rf"synth {tag}: (\d+)/\1 chunks, rows {rows:,}, files {len(parts)}, {re.escape(size(size_on_disk))} in \d+\.\ds",
            summary,
        )
    assert shown.getvalue().startswith("\rsynth d00000-00010  drawing the population  0.0s\r")


# --- the importers ------------------------------------------------------------------------------

INVOICES = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom
536365,71053,LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom
536366,22633,WARMER,6,12/1/2010 8:28,1.85,17850,United Kingdom
C536379,85123A,HEART,-2,12/2/2010 9:41,2.55,17850,United Kingdom
536367,84879,BIRD,32,12/1/2010 8:34,1.69,13047,France
536368,22960,JAR,6,12/1/2010 8:34,4.25,,France
"""


def _import_invoices(src: Path, out: Path, quiet: bool) -> tuple[str, str, dict[str, int]]:
    stream = FakeTTY()
    original = sys.stderr
    sys.stderr = stream
    try:
        report = import_invoice_lines(src, out, InvoiceLinesOptions(), force=False, quiet=quiet)
    finally:
        sys.stderr = original
    return stream.getvalue(), _tree_hash(out), report.rows_written


def test_an_importer_shows_files_rows_read_and_rows_per_table_and_writes_the_same_bytes(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    lines = INVOICES.splitlines(keepends=True)
    (src / "a.csv").write_text("".join(lines[:4]))
    (src / "b.csv").write_text(lines[0] + "".join(lines[4:]))

    shown, shown_hash, written = _import_invoices(src, tmp_path / "shown", quiet=False)
    quiet, quiet_hash, _ = _import_invoices(src, tmp_path / "quiet", quiet=True)

    assert quiet == ""
    assert shown_hash == quiet_hash
    assert written == {"customers": 2, "orders": 4, "order_items": 4}
    assert _redraws(shown)[0] == "cj import invoice-lines  0/2 files 0%  reading  0.0s"
    assert re.fullmatch(
        r"cj import invoice-lines: 2/2 files, rows read 6, invoices 4, customers 2, orders 4, order items 4 in \d+\.\ds",
        _redraws(shown)[-1],
    )


def test_the_event_log_importer_ticks_while_duckdb_works_and_stays_quiet_when_asked(tmp_path, monkeypatch):
    src = tmp_path / "log.csv"
    src.write_text(
        "user_id,item_id,category_id,behavior_type,timestamp\n"
        "1,10,100,pv,1511544070\n1,10,100,buy,1511544090\n2,11,100,pv,1511544000\n2,11,100,fav,1511544001\n"
    )
    options = EventLogOptions(action_map=parse_action_map(DEFAULT_MAP))
    outputs = {}
    for quiet in (False, True):
        stream = FakeTTY()
        monkeypatch.setattr(sys, "stderr", stream)
        out = tmp_path / f"out-{quiet}"
        report = import_event_log(src, out, options, force=False, quiet=quiet)
        outputs[quiet] = (stream.getvalue(), {str(p.relative_to(out)): p.read_bytes() for p in out.glob("*/*.parquet")})
    monkeypatch.setattr(sys, "stderr", sys.__stderr__)

    assert outputs[True][0] == ""
    assert outputs[False][1] == outputs[True][1] and len(outputs[True][1]) == 4
    assert report.rows_written == {"events": 3, "customers": 2, "orders": 1, "order_items": 1}
    assert re.fullmatch(
        rf"cj import event-log: files 1, source {re.escape(size(src.stat().st_size))}, rows read 4, events 3, "
        r"customers 2, orders 1, order items 1 in \d+\.\ds",
        _redraws(outputs[False][0])[-1],
    )


# --- the benchmark ------------------------------------------------------------------------------


def _bench(tmp_path: Path, monkeypatch, argv: list[str], stream: io.StringIO) -> str:
    """bench/run.py's main with its steps stubbed (no generator, no dbt): its progress and stdout."""
    spec = importlib.util.spec_from_file_location("bench_run", REPO / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    (tmp_path / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (tmp_path / "raw").mkdir(exist_ok=True)
    built = {"wall_seconds": 2.0, "peak_rss_mib": 1, "duckdb_file_mib": 1, "raw_events": 9, "rows": {}}
    monkeypatch.setattr(bench, "REPO", tmp_path)
    monkeypatch.setattr(bench, "_generate", lambda *_: tmp_path / "raw")
    monkeypatch.setattr(bench, "_build", lambda *_: {**built, "model_seconds": {"fct_sessions": 1.5}})
    monkeypatch.setattr(bench.subprocess, "run", lambda *_, **__: None)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(sys, "stdout", out)
    try:
        assert bench.main(argv) == 0
    finally:
        monkeypatch.setattr(sys, "stderr", sys.__stderr__)
        monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    return re.sub(r"results/\d{8}T\d{6}Z", "results/T", out.getvalue())


def test_the_benchmark_shows_each_size_and_step_and_prints_the_same_summary(tmp_path, monkeypatch):
    shown, quiet = FakeTTY(), FakeTTY()
    summary = _bench(tmp_path, monkeypatch, ["--sizes", "10", "20", "--no-compare"], shown)
    assert _bench(tmp_path, monkeypatch, ["--sizes", "10", "20", "--no-compare", "--quiet"], quiet) == summary
    assert quiet.getvalue() == ""
    assert summary.count("full build     2.0 s") == 2
    steps = [line.split() for line in _redraws(shown.getvalue()) if line.startswith("  ")]
    assert [(s[0], " ".join(s[2:-1])) for s in steps] == [
        (n, step)
        for n in ("10", "20")
        for step in (
            "generate (or reuse the cached data)",
            "copy the raw data",
            "full build",
            "append one day",
            "build after one day",
        )
    ]
    assert all(re.fullmatch(r"\d+\.\ds", s[-1]) for s in steps)
    assert "bench  1/2 sizes 50%  20 customers: " in shown.getvalue()
    assert _redraws(shown.getvalue())[-1].startswith("bench: 2/2 sizes in ")
