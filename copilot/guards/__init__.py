"""Guards every engine output passes: grounding, output safety, PII masking for LLM calls."""
