#!/usr/bin/env python3
# Layer: tooling (kernelspec assets). Uses Pillow only; writes only the three logo files.
"""Draws the R-DC kernel logo: three coloured clusters of dots above the letters R-DC.

Writes kernelspec/logo-svg.svg, logo-32x32.png and logo-64x64.png from one geometry, so the
pictures agree. Needs Pillow (pip install pillow) and a bold sans font (DejaVu Sans Bold).
Usage: python3 scripts/make-logos.py [OUTPUT_FOLDER]   (default: kernelspec/ beside scripts/)
"""
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = 64  # the design grid; every coordinate below is in these units
BACKGROUND = "#1b2a41"
CORNER_RADIUS = 12
DOT_RADIUS = 2.7
# Fixed offsets (no randomness) so every run draws the same dots.
DOT_OFFSETS = [(0, 0), (5.5, -2.5), (-5, -3), (2, 5.5), (-4, 4), (5, 3.5), (-1, -6)]
CLUSTERS = [  # centre x, centre y, colour
    (16, 16, "#f28e2b"),
    (48, 15, "#4ecdc4"),
    (32, 30, "#e15ba0"),
]
TEXT = "R-DC"
TEXT_COLOUR = "#ffffff"
TEXT_SIZE = 17
TEXT_BASELINE = 57
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
]


def dots():
    for cx, cy, colour in CLUSTERS:
        for dx, dy in DOT_OFFSETS:
            yield cx + dx, cy + dy, colour


def svg():
    circles = "\n".join(
        f'  <circle cx="{x:g}" cy="{y:g}" r="{DOT_RADIUS:g}" fill="{colour}"/>' for x, y, colour in dots()
    )
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}">
  <rect width="{SIZE}" height="{SIZE}" rx="{CORNER_RADIUS}" fill="{BACKGROUND}"/>
{circles}
  <text x="{SIZE / 2:g}" y="{TEXT_BASELINE}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-weight="bold" font-size="{TEXT_SIZE}" text-anchor="middle" fill="{TEXT_COLOUR}">{TEXT}</text>
</svg>
"""


def png(pixels):
    """Draws at 8x the target size and scales down, for smooth edges."""
    scale = pixels * 8 / SIZE
    big = Image.new("RGBA", (pixels * 8, pixels * 8), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    draw.rounded_rectangle([0, 0, big.width - 1, big.height - 1], radius=CORNER_RADIUS * scale, fill=BACKGROUND)
    for x, y, colour in dots():
        r = DOT_RADIUS * scale
        draw.ellipse([x * scale - r, y * scale - r, x * scale + r, y * scale + r], fill=colour)
    font_path = next((p for p in FONT_CANDIDATES if Path(p).exists()), None)
    if font_path is None:
        sys.exit("no bold sans font found; install fonts-dejavu-core")
    font = ImageFont.truetype(font_path, round(TEXT_SIZE * scale))
    draw.text((SIZE / 2 * scale, TEXT_BASELINE * scale), TEXT, font=font, fill=TEXT_COLOUR, anchor="ms")
    return big.resize((pixels, pixels), Image.LANCZOS)


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "kernelspec"
    out.mkdir(parents=True, exist_ok=True)
    (out / "logo-svg.svg").write_text(svg())
    for pixels in (32, 64):
        png(pixels).save(out / f"logo-{pixels}x{pixels}.png", optimize=True)
    print(f"wrote logos to {out}")


if __name__ == "__main__":
    main()
