"""Pages of the exchange domain (placeholder: being written)."""

from flask import Blueprint

bp = Blueprint("exchange", __name__)
