"""The exports as they come out of a printer: converted to PDF by LibreOffice headless
(what a city office opens them with) and read back page by page with pdftotext.

As a script it prints the page counts of every printed export of the test conference
and of the demo conference (docs/exports.md, "Printing"):

    .venv/bin/python -m tests.workshops.printed
"""

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
PDFTOPPM = shutil.which("pdftoppm")


def convert(files: list[Path], outdir: Path) -> dict[Path, Path]:
    """Each file converted to PDF by one LibreOffice run, in a private profile so that
    runs in parallel do not share (and lock) one; returns file -> its PDF."""
    profile = Path(tempfile.gettempdir()) / f"mitwirken-lo-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                *map(str, files),
            ],
            check=True,
            timeout=180,
            capture_output=True,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = {f: outdir / (f.stem + ".pdf") for f in files}
    missing = [str(f) for f, pdf in out.items() if not pdf.exists()]
    assert not missing, f"LibreOffice converted nothing for {missing}"  # nosec B101
    return out


def pages(pdf: Path) -> list[str]:
    """The text of every page (pdftotext: a cell's lines together, the page break \\f)."""
    text = subprocess.run(
        [PDFTOTEXT, "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode("utf-8")
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def render_page_one(pdf: Path, png_stem: Path) -> Path:
    """Page 1 as a PNG (pdftoppm, 60 dpi), e.g. for test-artifacts/."""
    png_stem.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            PDFTOPPM,
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(png_stem),
        ],
        check=True,
        timeout=60,
    )
    return png_stem.with_suffix(".png")


def write_exports(conference, outdir: Path, prefix: str) -> dict[str, Path]:
    """measures.xlsx, documentation.xlsx, documentation.docx, documentation.pdf of the
    conference, in German, written to ``outdir``."""
    from django.utils import translation

    from workshops.exports.data import conference_report
    from workshops.exports.writers import render

    files = {}
    with translation.override("de"):
        for kind, fmt in (
            ("measures", "xlsx"),
            ("documentation", "xlsx"),
            ("documentation", "docx"),
            ("measures", "docx"),
            ("documentation", "pdf"),
        ):
            path = outdir / f"{prefix}-{kind}-{fmt}.{fmt}"
            path.write_bytes(render(conference_report(conference, kind), fmt))
            files[f"{kind}.{fmt}"] = path
    return files


def main() -> None:
    import pypdf

    from bench.__main__ import setup_django

    with tempfile.TemporaryDirectory() as tmp:
        setup_django(None, tmp)
        from tests.workshops.export_conference import build_conference
        from workshops.models import Conference
        from workshops.services.setup import seed_demo

        built = build_conference(slug="test")
        demo = Conference.objects.get(slug=seed_demo()["conference"])
        outdir = Path(tmp)
        version = subprocess.run(
            [SOFFICE, "--version"], check=True, capture_output=True, text=True
        ).stdout
        print(f"LibreOffice: {version.strip()}")
        for name, conference in (("test conference", built.conference), ("demo conference", demo)):
            files = write_exports(conference, outdir, conference.slug)
            office = convert(
                [p for k, p in files.items() if not k.endswith(".pdf")], outdir / "printed"
            )
            counts = []
            for key, path in files.items():
                n = (
                    len(pypdf.PdfReader(path).pages)
                    if key.endswith(".pdf")
                    else len(pypdf.PdfReader(office[path]).pages)
                )
                counts.append(f"{key} {n}")
            print(f"{name}: " + ", ".join(counts))


if __name__ == "__main__":
    main()
