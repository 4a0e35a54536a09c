"""Geometry for the server-rendered SVG charts. They draw the numbers the tables show (the
"All" column, hidden cells included: a hidden number draws no bar and reads "<5"), so a
chart never tells more than its table."""

from __future__ import annotations

from dataclasses import dataclass

from movetrack.stats.grouping import Cell, Table

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 24, 48


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the number as the table shows it
    name: str  # what the bar is, for its <title>


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    name: str


@dataclass(frozen=True)
class SeriesChart:
    width: int
    height: int
    baseline: float
    inflow: list[Bar]
    outflow: list[Bar]
    active: list[Point]
    months: list[tuple[float, str]]  # x of each month's label, and the label

    @property
    def active_path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.active)


def _value(cell: Cell) -> float:
    return 0 if cell.hidden or cell.value is None else cell.value


def series_chart(tables: list[Table], month_labels: list[str], shown) -> SeriesChart:
    """Inflow and outflow bars side by side per month, active at month end as a line.
    `shown(cell)` is the table's text for a cell."""
    inflow, outflow, active = ([row.cells[0] for row in table.rows if not row.is_total]
                               for table in tables)
    top = max([_value(cell) for cell in inflow + outflow + active] + [1])
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(inflow), 1)
    bar_width = min(slot * 0.35, 40)
    baseline = HEIGHT - BOTTOM

    def height(cell: Cell) -> float:
        return plot_height * _value(cell) / top

    def bar(cell: Cell, index: int, offset: float, name: str) -> Bar:
        x = LEFT + slot * index + slot / 2 + offset
        return Bar(x, baseline - height(cell), bar_width, height(cell), shown(cell), name)

    return SeriesChart(
        width=WIDTH, height=HEIGHT, baseline=baseline,
        inflow=[bar(c, i, -bar_width, month_labels[i]) for i, c in enumerate(inflow)],
        outflow=[bar(c, i, 0, month_labels[i]) for i, c in enumerate(outflow)],
        active=[Point(LEFT + slot * i + slot / 2, baseline - height(c), shown(c), month_labels[i])
                for i, c in enumerate(active)],
        months=[(LEFT + slot * i + slot / 2, label) for i, label in enumerate(month_labels)],
    )


@dataclass(frozen=True)
class FlowChart:
    width: int
    height: int
    label_width: int
    bars: list[Bar]
    indented: list[bool]


FLOW_ROW = 34


def flow_chart(steps: list[tuple[str, Cell, bool]], shown) -> FlowChart:
    """A stepped bar from orders to starts to endings and each exit outcome: one
    horizontal bar per step, its length the number. `steps`: (name, cell, indented)."""
    label_width = 300
    top = max([_value(cell) for _, cell, _ in steps] + [1])
    room = WIDTH - label_width - 60
    bars = [
        Bar(label_width + (16 if indented else 0), 6 + FLOW_ROW * i,
            room * _value(cell) / top, FLOW_ROW - 12, shown(cell), name)
        for i, (name, cell, indented) in enumerate(steps)
    ]
    return FlowChart(WIDTH, FLOW_ROW * len(steps) + 8, label_width, bars,
                     [indented for _, _, indented in steps])
