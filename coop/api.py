"""REST API for co-operatives and their people (filled in below)."""


def register(router) -> None:
    pass
