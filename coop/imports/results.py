"""What an import answers: the problems of a refused file, or what it will save (or saved)."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MESSAGES_IN_ERROR = 1_000  # problems carried as ValidationError messages; `.problems` has them all


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a file is refused: `row` is the spreadsheet row (the header is row 1)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row and self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row:
            return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        if self.column:
            return _("Column %(column)s: %(message)s") % {"column": self.column, "message": self.message}
        return self.message


class ImportRejected(ValidationError):
    """The file was refused and nothing was written; `problems` lists every fault found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.row or 0, p.column or ""))
        messages = [str(problem) for problem in self.problems[:MESSAGES_IN_ERROR]]
        more = len(self.problems) - MESSAGES_IN_ERROR
        if more > 0:
            messages.append(
                ngettext("… and %(count)s more problem.", "… and %(count)s more problems.", more)
                % {"count": more}
            )
        super().__init__(messages)


@dataclass
class ImportResult:
    """A file that passed every check: what was (or, on a dry run, would be) saved."""

    kind: str  # "families" or "lots"
    rows: int
    dry_run: bool
    preview: list[dict]  # the first rows as they will be saved
    counts: dict[str, int] = field(default_factory=dict)
    created: int = 0
    warnings: list[Problem] = field(default_factory=list)  # unusual values, to be confirmed

    @property
    def unusual_rows(self) -> int:
        return len({warning.row for warning in self.warnings})
