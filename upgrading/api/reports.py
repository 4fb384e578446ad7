"""API of the reports area (filled in by its issue)."""


def register(router) -> None:
    pass
