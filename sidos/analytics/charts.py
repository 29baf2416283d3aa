"""Small server-side SVG charts: no JavaScript, no CDN, readable without colour (labels on the bars)."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

PRIMARY = "#2456c7"
SECONDARY = "#e0892b"
MUTED = "#5f6b7d"
GRID = "#e7eaf0"


def _fmt(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1000:.0f}k"
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.2f}"


def hbars(
    rows: list[tuple[str, float]], width: int = 420, bar: int = 18, label_width: int = 140, title: str = ""
):
    """Horizontal bars, one per (label, value)."""
    top = max([v for _l, v in rows] + [0]) or 1
    height = len(rows) * (bar + 6) + 4
    plot = width - label_width - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}">'
    ]
    for i, (label, value) in enumerate(rows):
        y = 2 + i * (bar + 6)
        w = max(0.0, plot * value / top)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar * 0.72}" text-anchor="end" '
            f'class="chart-label">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar}" rx="3" fill="{PRIMARY}"/>'
            f'<text x="{label_width + w + 4:.1f}" y="{y + bar * 0.72}" '
            f'class="chart-value">{_fmt(value)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 every label is escaped above


def paired_bars(
    categories: list[str],
    series: list[tuple[str, list[float | None]]],
    width: int = 640,
    height: int = 240,
    title: str = "",
):
    """Vertical bars grouped by category, one colour per series, with a legend."""
    colours = [PRIMARY, SECONDARY, "#1d7a46"]
    values = [v for _n, vs in series for v in vs if v is not None]
    top = max(values + [0]) or 1
    left, bottom, right, legend = 40, 28, 10, 22
    plot_w, plot_h = width - left - right, height - bottom - legend - 6
    group = plot_w / max(len(categories), 1)
    bw = group * 0.8 / max(len(series), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}">'
    ]
    for k in range(5):
        v = top * k / 4
        y = legend + plot_h - plot_h * k / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="chart-axis">{_fmt(v)}</text>'
        )
    for i, category in enumerate(categories):
        x0 = left + i * group + group * 0.1
        for j, (_name, vs) in enumerate(series):
            v = vs[i]
            if v is None:
                continue
            h = plot_h * v / top
            parts.append(
                f'<rect x="{x0 + j * bw:.1f}" y="{legend + plot_h - h:.1f}" width="{bw - 1:.1f}" '
                f'height="{h:.1f}" fill="{colours[j % 3]}"><title>{escape(_name)}: {v:.2f}</title></rect>'
            )
        parts.append(
            f'<text x="{x0 + group * 0.4:.1f}" y="{height - 10}" text-anchor="middle" '
            f'class="chart-axis">{escape(category)}</text>'
        )
    x = left
    for j, (name, _vs) in enumerate(series):
        parts.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{colours[j % 3]}"/>'
            f'<text x="{x + 16}" y="14" class="chart-label">{escape(name)}</text>'
        )
        x += 24 + 8 * len(name)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 every label is escaped above


def sparkline(values: list[float], width: int = 240, height: int = 40, title: str = ""):
    """Monthly purchase values as a line with dots where something was bought."""
    if not values:
        return ""
    top = max(values) or 1
    step = width / max(len(values) - 1, 1)
    points = [(i * step, height - 4 - (height - 8) * v / top) for i, v in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="{PRIMARY}"/>'
        for (x, y), v in zip(points, values, strict=True)
        if v
    )
    return mark_safe(  # noqa: S308 no text from data
        f'<svg class="sparkline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}"><polyline points="{path}" fill="none" stroke="{PRIMARY}" '
        f'stroke-width="1.5"/>{dots}</svg>'
    )
