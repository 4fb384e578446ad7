"""Change history of any row kept by django-simple-history: who, when, what changed."""

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils.text import capfirst


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: object
    new: object


@dataclass(frozen=True)
class HistoryEntry:
    date: datetime
    user: object  # the user who made the change, or None for scripts and imports
    kind: str  # "+" created, "~" changed, "-" deleted
    changes: list[FieldChange]


def object_history(*, obj: models.Model, limit: int = 50, excluded=("cooperative",)) -> list[HistoryEntry]:
    """The latest `limit` changes of `obj`, newest first.

    One query for the history rows (with their users), plus one per kind of related row
    named in a change (to show "F-001 · Silva" rather than an id). Each row is diffed in
    memory against the next older one (`prev_record` would cost a query per row).
    """
    model = type(obj)
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    deltas = [
        newer.diff_against(older, excluded_fields=list(excluded)).changes
        if older is not None and newer.history_type == "~"
        else []
        for newer, older in zip(records, [*records[1:], None], strict=True)
    ][:limit]

    # Related rows named in the changes, one query per related model.
    wanted: dict[str, set] = {}
    for changes in deltas:
        for change in changes:
            field = model._meta.get_field(change.field)
            if field.is_relation:
                wanted.setdefault(change.field, set()).update({change.old, change.new} - {None})
    related = {
        name: model._meta.get_field(name).related_model._default_manager.in_bulk(list(ids))
        for name, ids in wanted.items()
    }

    def display(field, value):
        if value is None or value == "":
            return ""
        if field.is_relation:
            row = related.get(field.name, {}).get(value)
            return str(row) if row is not None else f"#{value}"
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        return value

    entries = []
    for record, changes in zip(records, deltas, strict=False):
        fields = [(model._meta.get_field(c.field), c) for c in changes]
        entries.append(
            HistoryEntry(
                date=record.history_date,
                user=record.history_user,
                kind=record.history_type,
                changes=[
                    FieldChange(str(capfirst(f.verbose_name)), display(f, c.old), display(f, c.new))
                    for f, c in fields
                ],
            )
        )
    return entries
