from coop.tenancy import cooperatives_for


def tenancy(request):
    """The co-operatives the user may switch between, and the one being viewed."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "my_cooperatives": cooperatives_for(user).only("slug", "name"),
        "current_cooperative": getattr(request, "cooperative", None),
        "current_role": getattr(request, "role", None),
    }
