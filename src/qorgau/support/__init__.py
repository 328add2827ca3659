"""Support cases for workers who lost or may lose their job to automation, were injured at work or ask for
help: a transparent needs level (A–E), services matched to the need, follow-ups and outcomes."""

from qorgau.support import service

# Registered when the package is loaded at all (its models are, for the tables), so that a filing's page and a
# plan's progress reach support wherever they happen.
service.follow_filings_and_plans()
