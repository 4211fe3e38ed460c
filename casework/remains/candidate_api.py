"""JSON API (to be written)."""

from casework.api import api_blueprint

blp = api_blueprint("candidates_api", __name__, description="(to be written)")
