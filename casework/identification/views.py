"""Pages (to be written)."""

from flask import Blueprint

bp = Blueprint("identification", __name__)
