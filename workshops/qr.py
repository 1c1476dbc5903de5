"""Join QR codes, drawn on the server as inline SVG (no outside service)."""

import segno


def qr_svg(url: str) -> str:
    """An inline SVG of a QR code for ``url`` that scales to its container."""
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=1, border=2, dark="#000", light="#fff", omitsize=True)
