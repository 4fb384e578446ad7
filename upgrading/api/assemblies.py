"""API of the assemblies area (filled in by its issue)."""


def register(router) -> None:
    pass
