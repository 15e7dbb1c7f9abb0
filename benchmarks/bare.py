"""The bare Flask endpoint `make bench` compares every page with, served by the same gunicorn."""

from flask import Flask

app = Flask("bare")


@app.route("/")
def ok() -> str:
    return "ok"
