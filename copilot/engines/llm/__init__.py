"""The llm engine: a LangChain tool-calling agent over any chat model, guarded and with a fallback."""
