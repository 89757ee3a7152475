"""The report as a PDF: the HTML report printed by headless Chromium (its print engine lays out
the report's A4 print stylesheet; no PDF library to keep in step with the HTML).

``report.pdf`` is wanted when the report's path ends in ``.pdf``; ``check_pdf_printer`` says before
any work whether it can be made (Debian package ``chromium``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from formcheck.errors import OutputError, UsageError
from formcheck.files import replacing

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PRINT_TIMEOUT_S = 120
_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-pdf-header-footer",
    # the report is self-contained: any request it tried to make would fail, never leave the machine
    "--host-resolver-rules=MAP * ~NOTFOUND",
)  # fmt: skip


def wants_pdf(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() == ".pdf"


def find_chromium() -> str | None:
    override = os.environ.get("FORMCHECK_CHROMIUM")
    if override:
        return shutil.which(override) or (override if Path(override).is_file() else None)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def check_pdf_printer() -> str:
    """The browser that prints PDFs, or a UsageError saying how to get one."""
    found = find_chromium()
    if found is None:
        raise UsageError(
            "a PDF report needs Chromium to print it (apt-get install chromium, or set FORMCHECK_CHROMIUM); "
            "or write the report as .html and print it from a browser"
        )
    return found


def write_pdf(path: Path, html: str) -> None:
    """Print ``html`` to the PDF ``path`` (written beside it and renamed when complete)."""
    browser = check_pdf_printer()
    with tempfile.TemporaryDirectory(prefix="formcheck-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        printed = Path(tmp) / "report.pdf"
        command = [
            browser, *_FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={printed}", page.as_uri(),
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            raise OutputError(f"Chromium did not print the PDF report within {PRINT_TIMEOUT_S} s") from None
        except OSError as err:
            raise OutputError(f"cannot run Chromium to print the PDF report: {err.strerror or err}") from err
        if not printed.is_file() or printed.stat().st_size == 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise OutputError(f"Chromium did not print the PDF report (exit {done.returncode}: {last})")
        with replacing(path, what="report") as fh, printed.open("rb") as src:
            shutil.copyfileobj(src, fh)
