"""API of the advances area (filled in by its issue)."""


def register(router) -> None:
    pass
