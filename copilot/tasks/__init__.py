"""The copilot's task services: what every surface calls."""
