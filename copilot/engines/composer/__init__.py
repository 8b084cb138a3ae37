"""The composer: the offline, deterministic engine (no LLM)."""
