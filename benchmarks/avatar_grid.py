"""Draw the avatars of 40 personas, women and men aged 18 to 90, into docs/avatar-grid.png.

    python -m benchmarks.avatar_grid [--style open-peeps] [--salt 0] [--out docs/avatar-grid.png]

Each persona goes through the same `avatar_for` and `render_svg` the app uses; the SVGs are laid
out on one HTML page, captioned with sex and age, and photographed by headless Chromium
(/usr/bin/chromium, else Playwright's own). `--salt` draws another 40 people (other names, so
other hashes) to see more of the spread. Not part of `make bench`: it measures nothing, it is
there to be looked at.
"""

from __future__ import annotations

import argparse
import base64
import html
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from avatar_data_generator.avatars import DEFAULT_STYLE, render_svg
from avatar_data_generator.generation.identity import avatar_for

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "avatar-grid.png"
CHROMIUM = "/usr/bin/chromium"
COLUMNS, CELL = 10, 96
FIRST = {
    "female": ["Ana", "Mia", "Yuki", "Amara", "Sofia", "Lena", "Priya", "Chloe", "Zainab", "Ida"],
    "male": ["Luca", "Kenji", "Omar", "Jonas", "Mateo", "Arjun", "Tom", "Kwame", "Ivan", "Noah"],
}
LAST = ["Silva", "Tanaka", "Okafor", "Schmidt", "Garcia", "Khan", "Martin", "Novak", "Ali", "Berg"]


def personas(count: int = 40, salt: int = 0) -> list[dict[str, Any]]:
    """`count` personas alternating female and male, ages spread evenly from 18 to 90."""
    today = date(2025, 6, 1)
    out = []
    for i in range(count):
        sex = ("female", "male")[i % 2]
        age = 18 + round(72 * (i // 2) / max(count // 2 - 1, 1))
        first = FIRST[sex][(i // 2 + salt) % 10]
        last = LAST[(i * 7 + salt * 3) % 10]
        born = today - timedelta(days=365 * age + 40 + 3 * i)
        out.append(
            {
                "first_name": first,
                "last_name": last,
                "gender": sex,
                "sex": sex,
                "age": age,
                "date_of_birth": born.isoformat(),
                "username": f"{first.lower()}_{last.lower()}{salt}{i}",
            }
        )
    return out


def page(cells: list[tuple[str, str]]) -> str:
    """An HTML page of the SVGs (as data URIs), each under its caption."""
    figures = "".join(
        f'<figure><img alt="" width="{CELL}" height="{CELL}" src="data:image/svg+xml;base64,'
        f'{base64.b64encode(svg.encode()).decode()}"><figcaption>{html.escape(caption)}'
        "</figcaption></figure>"
        for caption, svg in cells
    )
    return (
        "<!doctype html><html><head><style>"
        "body{margin:0;background:#fff;font:12px system-ui,sans-serif;color:#333}"
        f".grid{{display:grid;grid-template-columns:repeat({COLUMNS},{CELL}px);gap:6px 8px;"
        "padding:8px}figure{margin:0;text-align:center}img{display:block;border-radius:8px}"
        f"</style></head><body><div class=grid>{figures}</div></body></html>"
    )


def shoot(markup: str, out: Path) -> None:
    """Photograph the page with headless Chromium, as a palette PNG to keep it small."""
    from playwright.sync_api import sync_playwright

    kwargs: dict[str, Any] = {
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }
    if os.path.exists(CHROMIUM):
        kwargs["executable_path"] = CHROMIUM
    with sync_playwright() as p:
        browser = p.chromium.launch(**kwargs)
        tab = browser.new_page(viewport={"width": COLUMNS * (CELL + 8) + 16, "height": 200})
        tab.set_content(markup)
        tab.screenshot(path=str(out), full_page=True)
        browser.close()
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(out) as image:
        small = image.convert("RGB").quantize(colors=128)
    small.save(out, optimize=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", default=DEFAULT_STYLE)
    parser.add_argument("--salt", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    cells = []
    for persona in personas(salt=args.salt):
        avatar = avatar_for(args.style, persona)
        caption = f"{'woman' if persona['sex'] == 'female' else 'man'}, {persona['age']}"
        cells.append((caption, render_svg(avatar["style"], avatar["seed"])))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    shoot(page(cells), args.out)
    print(f"{args.out} ({args.out.stat().st_size // 1024} kB, {len(cells)} avatars)")


if __name__ == "__main__":
    main()
