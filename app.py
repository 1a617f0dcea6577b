"""WSGI entry point for `flask --app app` and gunicorn."""
from blog import create_app

app = create_app()
