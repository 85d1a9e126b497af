"""Tunnel routes and virtual networks (/teamnet)."""

from flask import Blueprint

bp = Blueprint("teamnet", __name__)
