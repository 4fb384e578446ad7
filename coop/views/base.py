"""What every page under /c/<slug>/ shares: the co-op mixin, list and form views.

Every page under /c/<slug>/ first resolves the co-op among the user's own
(`cooperatives_for`): a co-op they do not belong to, or a row of another co-op,
answers 404. Pages that write need a role set (MANAGE, RECORD), otherwise 403.
Views stay thin: read through `coop.selectors`, write through one `coop.services`
function.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView

from coop import selectors
from coop.forms import add_service_errors
from coop.models import Role
from coop.tenancy import cooperatives_for, role_of

PAGE_SIZE = 50
DETAIL_ROWS = 50  # rows of a related list shown on a detail page; the rest via the list page


def home(request):
    """One co-op: go straight to it. Several (a federation) or none: list them."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    cooperatives = list(selectors.cooperative_list(user=request.user))
    if len(cooperatives) == 1:
        return redirect("cooperative_home", slug=cooperatives[0].slug)
    rows = [(coop, Role(coop.role).label) for coop in cooperatives]
    return render(request, "coop/cooperative_list.html", {"cooperatives": rows})


class CooperativeMixin:
    """Resolve the co-op of the URL among the user's own and check the role for writing.

    Sets `request.cooperative` and `request.role` (shown by the context processor) and
    `request.coop_section` (the co-op switcher links to the same section elsewhere).
    """

    section: str | None = None
    required_roles: frozenset | None = None  # None: any role may read the page

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.cooperative = get_object_or_404(cooperatives_for(request.user), slug=kwargs["slug"])
        request.role = role_of(request.user, request.cooperative)
        request.coop_section = self.section
        if self.required_roles is not None and request.role not in self.required_roles:
            # The role was just read: refuse as `require` does, without asking again.
            raise PermissionDenied("Your role in this co-operative does not allow this action.")
        return super().dispatch(request, *args, **kwargs)

    @property
    def cooperative(self):
        return self.request.cooperative

    def detail_url(self, name: str, pk: int) -> str:
        return reverse(name, kwargs={"slug": self.cooperative.slug, "pk": pk})


# --- Lists ---------------------------------------------------------------------------


class CoopListView(CooperativeMixin, ListView):
    """A paginated list read through one selector, filtered by a validated filter form."""

    paginate_by = PAGE_SIZE
    filter_form_class: type

    def get_queryset(self):
        self.filters = self.filter_form_class(self.request.GET, cooperative=self.cooperative)
        return self.select(self.filters.value)

    def select(self, value):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(filters=self.filters, **kwargs)


# --- Keyset pages: "newer" / "older" without counting millions of rows ----------------


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    newer: str | None  # cursor of the page before (newer rows), None on the first page
    older: str | None  # cursor of the page after (older rows), None on the last page


def _cursor(row, date_field: str) -> str:
    return f"{getattr(row, date_field).isoformat()}.{row.pk}"


def _parse_cursor(value: str | None):
    # "2026-03-10.42": a date and an id; anything else is ignored (first page).
    if not value or "." not in value:
        return None
    day, _sep, pk = value.partition(".")
    try:
        return datetime.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def keyset_page(queryset, *, older=None, newer=None, size=PAGE_SIZE, date_field="collected_on") -> KeysetPage:
    """One page of `queryset` ordered by (-date_field, -id), read with `size + 1` rows.

    OFFSET pages and their COUNT(*) cost more the deeper one goes into millions of
    lots; a cursor (the date and id of the row at the page's edge) costs the same on
    every page and uses the (co-op, kind, date) index.
    """
    after, before = _parse_cursor(older), _parse_cursor(newer)
    if before is not None:
        day, pk = before
        newer_rows = queryset.filter(
            Q(**{f"{date_field}__gt": day}) | Q(**{date_field: day, "pk__gt": pk})
        ).order_by(date_field, "pk")[: size + 1]
        rows = list(newer_rows)
        if len(rows) > size:
            rows = rows[:size][::-1]
            return KeysetPage(rows, _cursor(rows[0], date_field), _cursor(rows[-1], date_field))
        # Back at the top: show a full first page rather than a short one.
    elif after is not None:
        day, pk = after
        rows = list(
            queryset.filter(Q(**{f"{date_field}__lt": day}) | Q(**{date_field: day, "pk__lt": pk}))[
                : size + 1
            ]
        )
        more = len(rows) > size
        rows = rows[:size]
        newer_cursor = _cursor(rows[0], date_field) if rows else older
        return KeysetPage(rows, newer_cursor, _cursor(rows[-1], date_field) if more else None)
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(rows, None, _cursor(rows[-1], date_field) if more else None)


# --- Forms ---------------------------------------------------------------------------


class ServiceFormView(CooperativeMixin, FormView):
    """A form whose cleaned data goes to one service; its refusals show next to the field."""

    template_name = "coop/form.html"
    title = ""
    detail_name = ""  # URL name of the page shown after saving

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "cooperative": self.cooperative}

    def form_valid(self, form):
        try:
            saved = self.save(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        self.saved(saved)
        return redirect(self.detail_url(self.detail_name, saved.pk))

    def save(self, form):
        raise NotImplementedError

    def saved(self, obj) -> None:
        """After a successful save: say so (pages that show the result themselves need not)."""
        messages.success(self.request, _("Saved: %(object)s.") % {"object": obj})

    def cancel_url(self) -> str:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, cancel_url=self.cancel_url(), **kwargs)


class EditMixin:
    """The object being edited, found in the current co-op only (another co-op's: 404)."""

    def get_initial(self):
        return model_to_dict(self.object, fields=self.form_class._meta.fields)

    def cancel_url(self):
        return self.detail_url(self.detail_name, self.object.pk)
