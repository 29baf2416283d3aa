"""Buy-till-you-die models, one module each, fitted by maximum likelihood (see fitting.py)."""
