"""Accounts of union staff linked to a messenger chat (never a worker's: reports keep no link)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from qorgau.core.db import Base, UTCDateTime, utcnow


class MessengerLink(Base):
    """A signed-in user's own Telegram chat, linked with a one-time code, for alerts and quick actions."""

    __tablename__ = "channels_messenger_link"

    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LinkCode(Base):
    """A one-time code shown on the profile page, valid for ten minutes; only its digest is kept."""

    __tablename__ = "channels_link_code"
    __audit_exclude__ = ("code_digest",)

    code_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
