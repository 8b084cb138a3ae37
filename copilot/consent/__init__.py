"""Consent: the written policy, the gate that applies it, and the registry that records consents."""
