"""JSON API (to be written)."""

from casework.api import api_blueprint

blp = api_blueprint("identification_api", __name__, description="(to be written)")
