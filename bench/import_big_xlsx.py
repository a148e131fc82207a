"""Benchmark: reading a very long XLSX (a waiting list of a million rows) with ``read_table``.

Usage: ``python bench/import_big_xlsx.py [--rows 1000000] [--max-rows N] [--timeout 600]
[--source DIR]`` (``--source``: the root of another checkout of the code to read with, to
compare with an earlier version).

Writes a seeded workbook in the columns of a waiting list (reference, section, date, insertion,
wishes, criteria), then reads it in a child process with :func:`sdsf.core.imports.read_table`
and prints the file's size, the time until the import returned or was refused, the child's
peak memory (ru_maxrss) and the first line of its answer. The child is killed at ``--timeout``.
"""

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import sys, django
django.setup()
from sdsf.core.imports import ImportFailed, read_table
try:
    table = read_table(sys.argv[1])
    print(f"{len(table.rows)} rows read")
except ImportFailed as failure:
    print(failure.report().splitlines()[1])
"""


def write_workbook(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("liste")
    sheet.append(["reference", "section", "date_demande", "insertion", "voeux", "criteres"])
    for i in range(rows):
        sheet.append([f"D{i:07d}", "bebes", "2025-03-01", "non", "EAJE-93-0001", ""])
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--max-rows", type=int, help="SDSF_IMPORT_MAX_ROWS for the reading")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--source", type=Path, default=ROOT)
    args = parser.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d}, {platform.python_version()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "liste.xlsx"
        started = time.perf_counter()
        write_workbook(path, args.rows)
        print(
            f"workbook: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB "
            f"(written in {time.perf_counter() - started:.0f} s)"
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sdsf.settings.test"}
        if args.max_rows:
            env["SDSF_IMPORT_MAX_ROWS"] = str(args.max_rows)
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-c", CHILD, str(path)],
                env=env,
                cwd=args.source,
                capture_output=True,
                text=True,
                timeout=args.timeout,
            )
            answer = (done.stdout or done.stderr).strip().splitlines()[-1:]
        except subprocess.TimeoutExpired:
            answer = [f"killed after {args.timeout:.0f} s"]
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"read_table: {elapsed:.1f} s, peak memory {peak:,.0f} MiB, answer: {answer}")


if __name__ == "__main__":
    main()
