"""API conventions shared by every app: pagination and error format."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

MAX_PAGE_SIZE = 200


class PageNumberPagination(pagination.PageNumberPagination):
    """For tables that stay small (co-operatives, associations, families, members)."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class CursorPagination(pagination.CursorPagination):
    """For tables that grow to millions of rows (lots, allocations, ledger): no
    COUNT(*) and no deep OFFSET, so page 10,000 costs what page 1 does."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-id"
    invalid_cursor_message = _("This cursor is not valid: ask for the first page again.")

    def decode_cursor(self, request):
        # A cursor is opaque to clients: one that does not decode is a bad request (400),
        # not a missing page (DRF's 404).
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from None

    def paginate_queryset(self, queryset, request, view=None):
        # A well-formed cursor can still carry a position of the wrong type ("p=abc" against an
        # integer key): the database layer refuses it while building the page's filter.
        try:
            return super().paginate_queryset(queryset, request, view)
        except (TypeError, ValueError, DjangoValidationError):
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from None


def exception_handler(exc, context):
    """Turn a service's Django ValidationError into a 400 with field messages."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


def page_not_found(request, exception=None):
    """404 for a URL no route matches: JSON under /api/ (clients parse it), the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
