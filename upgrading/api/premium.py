"""API of the premium area (filled in by its issue)."""


def register(router) -> None:
    pass
