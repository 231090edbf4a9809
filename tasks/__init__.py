"""Celery tasks: thin wrappers that call ``counselor.services`` inside the app context."""
