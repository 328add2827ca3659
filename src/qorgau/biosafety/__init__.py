"""Occupational bio-safety and disease surveillance: biological agents with their risk groups and sources, the
register of exposed workplaces and its controls, occupational and zoonotic disease cases, space-time clusters
found by a published method, and alerts to the union officers and state inspectors in scope."""
