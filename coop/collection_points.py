"""The collection point a staff member works at, remembered for their session.

Staff record at one honey room or cantina for a whole morning: once they choose it (on a
capture form, or as the place of their home page), every capture form starts with it
chosen. Only the key lives in the session; each form still offers only the points that
fit its kind of lot, so a remembered cantina is simply not preselected on a barrel form.
"""

from coop.models import Association, Cooperative


def _key(cooperative: Cooperative) -> str:
    return f"collection-point:{cooperative.pk}"


def remember_point(request, *, cooperative: Cooperative, association: Association | None) -> None:
    if association is not None and association.cooperative_id == cooperative.pk:
        request.session[_key(cooperative)] = association.pk


def remembered_point(request, *, cooperative: Cooperative) -> int | None:
    value = request.session.get(_key(cooperative))
    return value if isinstance(value, int) else None
