"""API of the ledger area (filled in by its issue)."""


def register(router) -> None:
    pass
