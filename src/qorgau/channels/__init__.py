"""Channels beyond the browser: Worker Speaks in a messenger chat (Telegram first)."""
