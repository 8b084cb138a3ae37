"""The API's routers, one per area; ``app.create_app`` mounts them all under ``/v1``."""
