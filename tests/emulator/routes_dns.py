"""Zones, DNS records and token verification."""

from flask import Blueprint

bp = Blueprint("dns", __name__)
