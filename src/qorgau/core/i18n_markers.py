"""Markers for strings that are translated later, at display time (Babel extracts `N_`)."""


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a message id for extraction without translating it now."""
    return message
