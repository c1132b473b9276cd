"""Read a PDF back as poppler does: its text (pdftotext) and its fonts (pdffonts)."""

from __future__ import annotations

import subprocess


def pdf_text(data: bytes) -> str:
    """The text of every page, in reading order, as pdftotext gives it."""
    result = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout.decode("utf-8")


def pdf_fonts(data: bytes, tmp_path: object) -> list[list[str]]:
    """pdffonts' table, one row of columns per font (pdffonts reads a file, not stdin)."""
    path = tmp_path / "fonts.pdf"  # type: ignore[operator]
    path.write_bytes(data)
    out = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, timeout=60
    ).stdout.decode()
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def fonts_embedded(data: bytes, tmp_path: object) -> bool:
    """Every font of the file is embedded (pdffonts' emb column, 5th from the end)."""
    fonts = pdf_fonts(data, tmp_path)
    return bool(fonts) and all(row[-5] == "yes" for row in fonts)
