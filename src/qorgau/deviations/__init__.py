"""Violations found by union technical inspectors and their corrective actions."""
