"""Pages (to be written)."""

from flask import Blueprint

bp = Blueprint("dna", __name__)
