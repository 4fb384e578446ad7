"""Django admin, scoped: a non-superuser sees and edits only their co-operatives' rows,
and only with a role that may write them. Edits go through the same history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from coop.models import Association, Cooperative, Family, Member, Membership, Product
from coop.tenancy import ADMINISTER, MANAGE, READ, RECORD, cooperatives_for, require, scope


class CoopScopedAdmin(SimpleHistoryAdmin):
    """Rows, foreign-key choices and permissions follow the user's memberships."""

    write_roles = RECORD
    coop_field = "cooperative"

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user, field=self.coop_field)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is Cooperative:
            kwargs["queryset"] = cooperatives_for(request.user, roles=self.write_roles)
        elif any(f.name == "cooperative" for f in related._meta.fields):
            kwargs["queryset"] = scope(related.objects.all(), request.user, roles=self.write_roles)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _may(self, request, roles, obj=None):
        if request.user.is_superuser:
            return True
        coops = cooperatives_for(request.user, roles=roles)
        if obj is None:
            return coops.exists()
        coop_id = obj.pk if isinstance(obj, Cooperative) else getattr(obj, f"{self.coop_field}_id")
        return coops.filter(pk=coop_id).exists()

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and self._may(request, READ)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and self._may(request, READ, obj)

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_staff and self._may(request, self.write_roles)

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and self._may(request, self.write_roles, obj)

    def save_model(self, request, obj, form, change):
        # The form's choices are scoped already; this guards a forged POST.
        cooperative = obj if isinstance(obj, Cooperative) else getattr(obj, self.coop_field)
        if not request.user.is_superuser:
            require(request.user, cooperative, self.write_roles)
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        # Business rows are never deleted: families leave, memberships end.
        return request.user.is_superuser


@admin.register(Cooperative)
class CooperativeAdmin(CoopScopedAdmin):
    write_roles = ADMINISTER
    coop_field = "pk"
    list_display = ["name", "slug", "state", "municipality", "base_currency"]
    search_fields = ["name", "slug", "municipality"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return scope(admin.ModelAdmin.get_queryset(self, request), request.user)

    def has_add_permission(self, request):
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(CoopScopedAdmin):
    write_roles = ADMINISTER
    list_display = ["user", "cooperative", "role", "ends_on"]
    list_filter = ["role", "cooperative"]
    search_fields = ["user__username", "cooperative__name"]
    list_select_related = ["user", "cooperative"]
    autocomplete_fields = ["user"]


@admin.register(Product)
class ProductAdmin(CoopScopedAdmin):
    write_roles = MANAGE
    list_display = ["code", "name", "unit", "cooperative"]
    list_select_related = ["cooperative"]
    search_fields = ["code", "name"]


@admin.register(Association)
class AssociationAdmin(CoopScopedAdmin):
    write_roles = MANAGE
    list_display = ["code", "name", "kind", "municipality", "cooperative"]
    list_filter = ["kind"]
    list_select_related = ["cooperative"]
    search_fields = ["code", "name", "municipality"]


@admin.register(Family)
class FamilyAdmin(CoopScopedAdmin):
    list_display = ["code", "household_name", "association", "municipality", "status", "cooperative"]
    list_filter = ["status", "land_tenure"]
    list_select_related = ["association", "cooperative"]
    search_fields = ["code", "household_name", "municipality"]
    raw_id_fields = ["association"]


@admin.register(Member)
class MemberAdmin(CoopScopedAdmin):
    list_display = ["name", "family", "gender", "birth_year", "literacy", "cooperative"]
    list_filter = ["gender", "literacy", "role_in_family"]
    list_select_related = ["family", "cooperative"]
    search_fields = ["name", "family__code", "family__household_name"]
    raw_id_fields = ["family"]
    exclude = ["national_id"]  # sensitive: not shown or edited in the admin
