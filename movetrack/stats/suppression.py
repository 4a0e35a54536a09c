"""Small numbers hidden from the ordering units (MOVE.md §5), so a case worker cannot single
out a person from an aggregate.

The rule, as the page states it:
1. A cell describing 1 to `threshold − 1` people (1–4 by default) shows "<5". Zero shows.
2. Complementary cells: wherever cells add up to a total shown beside them (the gender
   columns and the total; the age-band columns and the total; the rows of a table whose
   rows add up to its total row, such as outcomes or months), a hidden cell is never alone:
   the smallest other non-zero cell of that group is hidden too (shown as "×"), repeated
   until every group has none or at least two hidden cells. So no hidden number can be
   worked out by subtraction.
3. A median, mean, share or rate over 1–4 people is hidden; so is a share whose part, or
   whole minus part, is hidden.
"""

from __future__ import annotations

from movetrack.stats.grouping import COLUMNS, Cell, Row, Table

SMALL, COMPLEMENT = "small", "complement"
GENDER_COLUMNS = [i for i, (dimension, _) in enumerate(COLUMNS) if dimension == "gender"]
BAND_COLUMNS = [i for i, (dimension, _) in enumerate(COLUMNS) if dimension == "band"]


def _small(cell: Cell, threshold: int) -> bool:
    return 0 < cell.people < threshold


def hide_small_numbers(tables: list[Table], threshold: int) -> None:
    """Mark the cells to hide in place (rule 1, then 2 for counts, then 3)."""
    for table in tables:
        for row in table.rows:
            for cell in row.cells:
                if _small(cell, threshold):
                    cell.hidden = SMALL
        _hide_complements(table)
        share = table.meta.get("share")
        if share is not None:
            part, whole = table.meta["share_of"]
            _hide_share(share, part, whole, threshold)


def _groups(table: Table) -> list[list[Cell]]:
    """Every set of cells that adds up to one of them (the total is in the set)."""
    groups = []
    for row in table.rows:
        if row.kind == "count":
            total = row.cells[0]
            groups.append([total] + [row.cells[i] for i in GENDER_COLUMNS])
            groups.append([total] + [row.cells[i] for i in BAND_COLUMNS])
    if table.additive:
        for column in range(len(COLUMNS)):
            groups.append([row.cells[column] for row in table.rows if row.kind == "count"])
    return groups


def _hide_complements(table: Table) -> None:
    groups = _groups(table)
    changed = True
    while changed:
        changed = False
        for group in groups:
            hidden = [cell for cell in group if cell.hidden]
            shown = [cell for cell in group if not cell.hidden and cell.value]
            if len(hidden) == 1 and shown:
                min(shown, key=lambda cell: cell.value).hidden = COMPLEMENT
                changed = True


def _hide_share(share: Row, part: Row, whole: Row, threshold: int) -> None:
    for cell, part_cell, whole_cell in zip(share.cells, part.cells, whole.cells, strict=True):
        rest = whole_cell.people - part_cell.people
        if part_cell.hidden or whole_cell.hidden or 0 < rest < threshold \
                or _small(part_cell, threshold):
            cell.hidden = SMALL
