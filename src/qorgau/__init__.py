"""Qorgau: the trade-union platform for occupational safety and health and AI at work."""

__version__ = "0.1.0"
