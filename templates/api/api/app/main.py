"""ASGI entry point: ``uvicorn app.main:app`` from the api/ folder.

Settings come from the environment (see .env.example and the README). A missing or unsafe setting stops
the process here with a one-line message and exit status 1, before the server accepts a connection.
"""

from app.factory import create_app
from app.settings import SettingsError

try:
    app = create_app()
except SettingsError as error:
    raise SystemExit(f"configuration error: {error}") from None
