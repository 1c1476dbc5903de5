"""Draw the icons browsers ask for on their own, from one drawing (no outside source).

    python -m tools.icons

writes static/icons/icon.svg (linked from templates/base.html), static/icons/icon-192.png,
and the files served at the root (config/settings.py, WHITENOISE_ROOT): favicon.ico,
apple-touch-icon.png and apple-touch-icon-precomposed.png. Three white bars of a vote on
the accent blue of static/css/mitwirken.css.
"""

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent.parent / "static"
BLUE = "#0b4f9c"
# The bars on a 64 × 64 grid: (left, top, width), all ending at 50.
BARS = [(14, 30, 9), (27.5, 16, 9), (41, 24, 9)]

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    f'<rect width="64" height="64" rx="12" fill="{BLUE}"/>'
    + "".join(
        f'<rect x="{x}" y="{y}" width="{w}" height="{50 - y}" rx="2" fill="#fff"/>'
        for x, y, w in BARS
    )
    + "</svg>\n"
)


def draw(size: int, *, rounded: bool) -> Image.Image:
    scale = size / 64
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0) if rounded else BLUE)
    pen = ImageDraw.Draw(image)
    if rounded:
        pen.rounded_rectangle((0, 0, size - 1, size - 1), radius=round(12 * scale), fill=BLUE)
    for x, y, w in BARS:
        box = (
            round(x * scale),
            round(y * scale),
            round((x + w) * scale) - 1,
            round(50 * scale) - 1,
        )
        pen.rounded_rectangle(box, radius=max(1, round(2 * scale)), fill="white")
    return image


def main() -> None:
    (STATIC / "icons").mkdir(exist_ok=True)
    (STATIC / "root").mkdir(exist_ok=True)
    (STATIC / "icons" / "icon.svg").write_text(SVG, encoding="utf-8")
    draw(192, rounded=True).save(STATIC / "icons" / "icon-192.png", optimize=True)
    # iOS rounds the corners itself and wants no transparency
    touch = draw(180, rounded=False).convert("RGB")
    touch.save(STATIC / "root" / "apple-touch-icon.png", optimize=True)
    touch.save(STATIC / "root" / "apple-touch-icon-precomposed.png", optimize=True)
    draw(64, rounded=True).save(
        STATIC / "root" / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)]
    )


if __name__ == "__main__":
    main()
