"""Long work shows progress on a terminal, and nothing of it in logs, pipes or with --quiet.

`sibyl` runs in a process of its own with stderr on a pseudo-terminal, as at a person's shell."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

from helpers import invoke

SIBYL = str(Path(sys.executable).with_name("sibyl"))
MONTHS = ("2026-09", "2026-10", "2026-11")


def at_a_terminal(*args: str, stdout_file: Path) -> tuple[int, str]:
    """`sibyl ARGS` with stderr on a terminal and stdout in a file: its exit code and what the terminal showed."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # 40 rows, 120 columns
    with stdout_file.open("w") as stdout:
        process = subprocess.Popen([SIBYL, *args], stdout=stdout, stderr=terminal, stdin=subprocess.DEVNULL)
    os.close(terminal)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal's last writer is gone
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    return process.wait(), shown.decode()


def loaded_lines(cur: Path) -> list[str]:
    return [f"loaded {month} from {cur}/cur/sibyl-demo" for month in MONTHS]


def test_a_load_at_a_terminal_shows_each_month_s_steps_files_and_rows_and_then_says_what_it_loaded(duckdb_path, demo_cur, tmp_path):
    code, shown = at_a_terminal("load", "cur", str(demo_cur), stdout_file=tmp_path / "out")

    assert code == 0, shown
    for month in MONTHS:
        assert f"{month} read" in shown and f"{month} validate" in shown and f"{month} write" in shown
    assert "publish" in shown and "rows/s" in shown
    assert "3/3" in shown  # files done of the total
    said = [line for line in shown.splitlines() if line.startswith("loaded ")]
    assert [line.split(":")[0] for line in said] == loaded_lines(demo_cur)


def test_quiet_or_not_a_terminal_shows_no_progress(duckdb_path, demo_cur, tmp_path):
    code, shown = at_a_terminal("load", "cur", str(demo_cur), "--quiet", stdout_file=tmp_path / "out")
    assert code == 0, shown
    assert "rows/s" not in shown and "\r" not in shown.replace("\r\n", "\n")
    assert [line.split(":")[0] for line in shown.splitlines()[:3]] == loaded_lines(demo_cur)

    # A pipe (CI logs, scripts): the same lines, nothing else.
    reloaded = invoke("load", "cur", str(demo_cur))
    assert reloaded.exit_code == 0
    assert "rows/s" not in reloaded.stderr and "\r" not in reloaded.stderr


def test_a_build_at_a_terminal_counts_dbt_s_nodes_and_prints_dbt_s_summary(duckdb_path, demo_cur, tmp_path):
    invoke("load", "cur", str(demo_cur), check=True)

    code, shown = at_a_terminal("build", stdout_file=tmp_path / "out")

    assert code == 0, shown
    printed = (tmp_path / "out").read_text()
    total = int(printed.split("TOTAL=")[1].split()[0]) - 2  # dbt's total counts the two project hooks apart
    assert "dbt build" in shown and f"{total}/{total}" in shown
    assert printed.lstrip().split("  ", 1)[1].startswith("Finished running")  # the summary, no line per node
    assert " START " not in printed and "Completed successfully" in printed
