"""API of the settlements area (filled in by its issue)."""


def register(router) -> None:
    pass
