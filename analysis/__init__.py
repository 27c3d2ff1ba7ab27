"""Analysis: pure functions and estimators over stored messages."""

__all__: list[str] = []
