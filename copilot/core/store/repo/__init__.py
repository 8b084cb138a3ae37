"""The data-access layer: every query of the CRM store lives in this package, one module per area.

Functions are keyword-only and take the SQLAlchemy ``session`` first; they return model instances
or plain typed rows, never open sessions of their own, and never commit (the caller's unit of work
does, see ``Database.session``).
"""
