"""Pages (to be written)."""

from flask import Blueprint

bp = Blueprint("remains", __name__)
