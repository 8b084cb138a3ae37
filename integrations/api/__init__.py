"""The REST API (`polku serve`): a thin HTTP adapter over the copilot's service functions.

Routes parse the request, resolve who is asking (API key, widget key, signed customer token), check
the role's permission and call a service function; nothing here retrieves or prompts on its own.
"""

from integrations.api.app import create_app

__all__ = ["create_app"]
