"""Django admin, scoped: a non-superuser sees only their co-operatives' rows, may change
them only with a role that writes them, and every save goes through the services.

- Lists, searches, filters, change and history pages, foreign-key choices and autocomplete
  answers are all filtered through `coop.tenancy`; another co-op's row is "not found".
- Auditors (and any role that may not write a model) get read-only pages.
- Saving calls the same service as the web UI and the API, so the same rules hold and the
  history records the user. The service's rules also run during form validation, so a
  broken rule shows on the form rather than as a server error.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from coop import invitations, services
from coop.models import (
    Association,
    Certification,
    Cooperative,
    Family,
    Inspection,
    Lot,
    Member,
    Membership,
    Product,
)
from coop.tenancy import ADMINISTER, MANAGE, READ, RECORD, cooperatives_for, scope


class ServiceRulesForm(forms.ModelForm):
    """A model form that also runs `rules(instance)`, the checks of the service that saves it."""

    rules = None

    def _post_clean(self):
        super()._post_clean()
        if self.rules is None or self.errors:
            return
        try:
            self.rules(self.instance)
        except ValidationError as error:
            by_field = (
                error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
            )
            for field, messages in by_field.items():
                self.add_error(field if field in self.fields else None, messages)


class CoopScopedAdmin(SimpleHistoryAdmin):
    """Rows, choices and permissions follow the user's memberships (superusers: everything)."""

    write_roles = RECORD
    coop_field = "cooperative"
    service_fields: tuple[str, ...] = ()
    # Fields fixed once the row exists: a row never moves to another co-operative.
    fixed_on_change: tuple[str, ...] = ("cooperative",)
    form = ServiceRulesForm

    # --- what the user sees ---------------------------------------------------------------

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user, field=self.coop_field)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is Cooperative:
            kwargs["queryset"] = cooperatives_for(request.user, roles=self.write_roles)
        elif any(f.name == "cooperative" for f in related._meta.fields):
            kwargs["queryset"] = scope(related._default_manager.all(), request.user, roles=self.write_roles)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + list(self.fixed_on_change) if obj is not None else readonly

    def _visible_or_404(self, request, object_id):
        # Simple-history's pages check permissions, which would answer 403 for another
        # co-op's row and so reveal that it exists. (Superusers may see a deleted row's history.)
        obj = self.get_object(request, unquote(object_id))
        if obj is None and not request.user.is_superuser:
            raise Http404
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self._visible_or_404(request, object_id)
        # Reverting is a change: simple-history would let anyone who may view post it.
        if request.method == "POST" and not self.has_change_permission(request, obj):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    # --- what the user may do ---------------------------------------------------------------

    def _may(self, request, roles, obj=None) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if user.is_superuser:
            return True
        ids = self._cooperative_ids(request, roles)
        if obj is None:
            return bool(ids)
        return (obj.pk if isinstance(obj, Cooperative) else getattr(obj, f"{self.coop_field}_id")) in ids

    @staticmethod
    def _cooperative_ids(request, roles) -> frozenset[int]:
        # Each page asks for every model's permissions (navigation, buttons): ask the
        # database once per request and set of roles.
        cache = request.__dict__.setdefault("_coop_admin_ids", {})
        if roles not in cache:
            cache[roles] = frozenset(cooperatives_for(request.user, roles=roles).values_list("pk", flat=True))
        return cache[roles]

    def has_module_permission(self, request):
        return self._may(request, READ)

    def has_view_permission(self, request, obj=None):
        return self._may(request, READ, obj)

    def has_add_permission(self, request):
        return self._may(request, self.write_roles)

    def has_change_permission(self, request, obj=None):
        return self._may(request, self.write_roles, obj)

    def has_delete_permission(self, request, obj=None):
        # Business rows are never deleted: families leave, memberships end.
        return request.user.is_active and request.user.is_superuser

    # --- saving -------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        """Save through the service; it checks the user's role in the row's co-operative again."""
        # Every field the form holds: an update service writes only those that differ.
        data = {name: getattr(obj, name) for name in form.cleaned_data if name in self.service_fields}
        saved = self.write(request.user, obj, data, change)
        # The admin goes on with `obj` (message, log entry, redirect): give it the saved row's key.
        obj.pk = saved.pk
        obj._state.adding = False

    def write(self, actor, obj, data: dict, change: bool):
        raise NotImplementedError


class CooperativeAddForm(ServiceRulesForm):
    """Opening a co-operative names its first administrator, who can then invite the others."""

    manager_email = forms.EmailField(
        label=gettext_lazy("First administrator's email"),
        help_text=gettext_lazy(
            "They get the administrator role and, for a new account, a one-time link to choose a password."
        ),
    )
    manager_name = forms.CharField(
        label=gettext_lazy("First administrator's name"), required=False, max_length=150
    )

    def clean_manager_email(self):
        try:
            return services.validate_invitee_email(self.cleaned_data["manager_email"])
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None


@admin.register(Cooperative)
class CooperativeAdmin(CoopScopedAdmin):
    write_roles = ADMINISTER
    coop_field = "pk"
    service_fields = ("slug", "country", *services.COOPERATIVE_FIELDS)
    fixed_on_change = ("slug", "country")
    fields = [
        "name",
        "short_name",
        "slug",
        "country",
        "state",
        "municipality",
        "base_currency",
        "moisture_limit_pct",
    ]
    add_fields = [*fields, "manager_email", "manager_name"]
    list_display = ["name", "short_name", "slug", "state", "municipality", "base_currency"]
    search_fields = ["name", "slug", "municipality"]

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None else {"slug": ["name"]}

    def get_fields(self, request, obj=None):
        return self.fields if obj is not None else self.add_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CooperativeAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def has_add_permission(self, request):
        # Opening a co-operative is for platform operators.
        return request.user.is_active and request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = {name: form.cleaned_data[name] for name in services.COOPERATIVE_CREATE_FIELDS}
        onboarding = services.cooperative_onboard(
            actor=request.user,
            manager_email=form.cleaned_data["manager_email"],
            manager_name=form.cleaned_data["manager_name"],
            **data,
        )
        obj.pk = onboarding.cooperative.pk
        obj._state.adding = False
        membership = onboarding.membership
        link = invitations.invitation_send(membership=membership, site_url=invitations.site_url_for(request))
        who = membership.user.get_username()
        if link:
            messages.warning(
                request,
                _(
                    "%(user)s is the first administrator. Their link to choose a password (emailed to "
                    "them, works once, for %(days)d days): %(link)s"
                )
                % {"user": who, "days": invitations.link_validity_days(), "link": link},
            )
        else:
            messages.info(
                request,
                _("%(user)s is the first administrator; they log in with the password they already have.")
                % {"user": who},
            )

    def write(self, actor, obj, data, change):
        return services.cooperative_update(actor=actor, cooperative=obj, **data)


class MembershipForm(ServiceRulesForm):
    rules = staticmethod(services.validate_membership)

    class Meta:
        model = Membership
        fields = ["user", "cooperative", "role", "ends_on"]


@admin.register(Membership)
class MembershipAdmin(CoopScopedAdmin):
    write_roles = ADMINISTER
    form = MembershipForm
    fixed_on_change = ("user", "cooperative")
    list_display = ["user", "cooperative", "role", "ends_on"]
    list_filter = ["role", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "cooperative__name"]
    list_select_related = ["user", "cooperative"]
    autocomplete_fields = ["user"]

    def get_autocomplete_fields(self, request):
        # The user autocomplete searches every account: platform operators only.
        return super().get_autocomplete_fields(request) if request.user.is_superuser else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # A co-op administrator chooses among the people of their own co-operatives only.
            administered = cooperatives_for(request.user, roles=ADMINISTER)
            kwargs["queryset"] = (
                get_user_model().objects.filter(memberships__cooperative__in=administered).distinct()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def write(self, actor, obj, data, change):
        return services.membership_grant(
            actor=actor, cooperative=obj.cooperative, user=obj.user, role=obj.role, ends_on=obj.ends_on
        )


@admin.register(Product)
class ProductAdmin(CoopScopedAdmin):
    write_roles = MANAGE
    service_fields = services.PRODUCT_FIELDS
    fields = ["cooperative", *services.PRODUCT_FIELDS]
    list_display = ["code", "name", "unit", "delivered_as", "cooperative"]
    list_filter = [("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["cooperative"]
    search_fields = ["code", "name"]

    def write(self, actor, obj, data, change):
        if change:
            return services.product_update(actor=actor, product=obj, **data)
        return services.product_create(actor=actor, cooperative=obj.cooperative, **data)


@admin.register(Association)
class AssociationAdmin(CoopScopedAdmin):
    write_roles = MANAGE
    service_fields = services.ASSOCIATION_FIELDS
    list_display = ["code", "name", "kind", "municipality", "cooperative"]
    list_filter = ["kind", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["cooperative"]
    search_fields = ["code", "name", "municipality"]

    def write(self, actor, obj, data, change):
        if change:
            return services.association_update(actor=actor, association=obj, **data)
        return services.association_create(actor=actor, cooperative=obj.cooperative, **data)


class FamilyForm(ServiceRulesForm):
    rules = staticmethod(services.validate_family)


@admin.register(Family)
class FamilyAdmin(CoopScopedAdmin):
    form = FamilyForm
    service_fields = services.FAMILY_FIELDS
    list_display = ["code", "household_name", "association", "municipality", "status", "cooperative"]
    list_filter = ["status", "land_tenure", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["association", "cooperative"]
    search_fields = ["code", "household_name", "municipality"]
    # Not raw_id_fields: its widget labels any typed id, even another co-op's.
    autocomplete_fields = ["association"]

    def write(self, actor, obj, data, change):
        if change:
            return services.family_update(actor=actor, family=obj, **data)
        return services.family_create(actor=actor, cooperative=obj.cooperative, **data)


class MemberForm(ServiceRulesForm):
    rules = staticmethod(services.validate_member)


@admin.register(Member)
class MemberAdmin(CoopScopedAdmin):
    form = MemberForm
    service_fields = services.MEMBER_FIELDS
    list_display = ["name", "family", "gender", "birth_year", "literacy", "cooperative"]
    list_filter = ["gender", "literacy", "role_in_family", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["family", "cooperative"]
    search_fields = ["name", "family__code", "family__household_name"]
    autocomplete_fields = ["family"]
    exclude = ["national_id"]  # sensitive: not shown or edited in the admin

    def write(self, actor, obj, data, change):
        if change:
            return services.member_update(actor=actor, member=obj, **data)
        return services.member_create(actor=actor, cooperative=obj.cooperative, **data)


class ReadOnlyAdmin(CoopScopedAdmin):
    """Lots, certifications and inspections have workflows (codes, locks, approvals) that
    live in their pages and API; the admin shows them, scoped, and changes nothing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "product", "family", "collected_on", "net_kg", "status", "cooperative"]
    list_filter = ["kind", "status", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["product", "family", "cooperative"]
    search_fields = ["code", "family__code", "family__household_name"]
    date_hierarchy = "collected_on"
    show_full_result_count = False  # lots grow to millions: no COUNT(*) per page


@admin.register(Certification)
class CertificationAdmin(ReadOnlyAdmin):
    list_display = ["family", "scheme", "reference", "valid_from", "valid_to", "status", "cooperative"]
    list_filter = ["scheme", "status", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["family", "cooperative"]
    search_fields = ["reference", "family__code", "family__household_name"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = [
        "inspected_on",
        "family",
        "association",
        "inspector",
        "result",
        "closed_on",
        "cooperative",
    ]
    list_filter = ["result", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["family", "association", "inspector", "cooperative"]
    search_fields = ["family__code", "association__code", "inspector__name"]
