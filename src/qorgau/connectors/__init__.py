"""Connectors: plants join monitoring over the protocols they already speak (OPC UA, Modbus TCP, Sparkplug B, SenML)."""
