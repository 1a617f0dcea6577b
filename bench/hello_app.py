"""The ceiling: a hello-world Flask app, served by gunicorn with the same settings as Majlis."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
