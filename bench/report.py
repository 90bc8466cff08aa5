"""The run report as a person sees it: ``report.html`` of a real run, rendered by headless
Chromium into a PNG.

Renders the report of RUN_DIR (a ``sparrow flow`` run folder) with the current code, or, with
no RUN_DIR, first runs ``sparrow flow examples/tiny/tiny.toml --random 2 -o <new temporary
folder>`` (about 2 minutes on 2 cores; the folder is kept, with the screenshot in it). Then
takes a screenshot of the top of ``report.html`` (``--height`` pixels of a 1280-pixel-wide
window) and prints its path, for a person to look at.

Needs Debian's ``chromium`` (``./setup.sh bench`` installs it); exits 1 and says how to
install it when it is missing.

Run: .venv/bin/python bench/report.py [RUN_DIR] [--png OUT.png] [--height PIXELS]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sparrow.errors import SparrowError
from sparrow.report import write_report

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "examples" / "tiny" / "tiny.toml"
WIDTH = 1280
CHROMIUM_TIMEOUT_S = 180


def _flow(run_dir: Path) -> None:
    """``sparrow flow`` on the tiny example with 2 random inputs into ``run_dir``."""
    print(f"running: sparrow flow {TINY.relative_to(REPO)} --random 2 -o {run_dir}", flush=True)
    done = subprocess.run([sys.executable, "-m", "sparrow.cli", "flow", str(TINY), "--random",
                           "2", "-o", str(run_dir), "--quiet"], cwd=REPO)
    if done.returncode:
        raise SparrowError(f"sparrow flow failed (exit {done.returncode}); see its output above")


def find_chromium() -> str:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SparrowError("chromium is not installed: sudo apt-get install chromium "
                           "(or ./setup.sh bench)")
    return chromium


def screenshot(chromium: str, page: Path, png: Path, height: int) -> Path:
    """``png``: headless Chromium's rendering of the top ``height`` pixels of ``page``."""
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="sparrow-chromium-") as profile:
        try:
            done = subprocess.run(
                [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--hide-scrollbars",
                 f"--user-data-dir={profile}", f"--screenshot={png}",
                 f"--window-size={WIDTH},{height}", page.resolve().as_uri()],
                capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise SparrowError(f"chromium took over {CHROMIUM_TIMEOUT_S} s on {page}") from None
    # Chromium logs D-Bus errors on stderr even when it works: judge by the file.
    if done.returncode or not png.is_file():
        raise SparrowError(f"chromium made no screenshot of {page} (exit {done.returncode}):\n"
                           + done.stderr[-2000:])
    return png


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dir", nargs="?", help="a sparrow flow run folder (default: run the "
                                              "tiny example into a new temporary folder)")
    p.add_argument("--png", help="screenshot path (default: RUN_DIR/report.png)")
    p.add_argument("--height", type=int, default=2400,
                   help="pixels of the page captured from the top (default 2400)")
    args = p.parse_args()
    try:
        chromium = find_chromium()          # before a 2-minute flow, not after it
        if args.run_dir:
            run_dir = Path(args.run_dir)
        else:
            run_dir = Path(tempfile.mkdtemp(prefix="sparrow-bench-report-")) / "tiny"
            _flow(run_dir)
        _, page = write_report(run_dir)
        png = screenshot(chromium, page, Path(args.png) if args.png else run_dir / "report.png",
                         args.height)
    except SparrowError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"report: {page}")
    print(f"screenshot: {png.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
