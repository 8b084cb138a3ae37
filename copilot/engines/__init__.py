"""The two engines behind one interface: the deterministic composer and the llm agent."""
