"""Sentiment classifiers for public posts: pluggable, chosen by name (see base.py for the contract)."""
