"""What `flask --app app run` and gunicorn load: `app = create_app()`."""

from sob_core import create_app

app = create_app()
