"""Sidos: self-hosted customer management."""
