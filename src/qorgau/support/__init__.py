"""Support cases for workers who lost or may lose their job to automation, were injured at work or ask for
help: a transparent needs level (A–E), services matched to the need, follow-ups and outcomes."""
