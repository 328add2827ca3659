"""Markers for strings that are translated later, at display time (Babel extracts `N_`)."""

from qorgau.core.i18n import Msg, caller_domain


def N_(message: str) -> Msg:  # noqa: N802 - the gettext convention
    """Mark a message id for extraction without translating it now; it remembers the package it was
    written in, so it is translated from that package's catalog wherever it is shown."""
    if isinstance(message, Msg) and message.domain:
        return message
    return Msg(message, caller_domain(2, skip=(__name__,)))
