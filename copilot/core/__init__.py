"""The ground every other package stands on: settings, vocabulary, errors, identity, the store.

Nothing in here imports from above it (``copilot`` tasks and engines, ``retrieval``, ``tools``,
``integrations``): retrieval and tools build on this package, and the copilot's tasks build on them.
"""
