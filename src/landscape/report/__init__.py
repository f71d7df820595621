"""Shareable reports of a fitted landscape (self-contained HTML pages)."""
