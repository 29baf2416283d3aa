"""Running the import commands the way an operator does, and reading their JSON summary."""

import io
import json

from django.core.management import call_command


def run_command(name: str, *args) -> tuple[int, dict, str]:
    """Return (exit status, JSON summary from the last stdout line, full stdout)."""
    out, err = io.StringIO(), io.StringIO()
    status = 0
    try:
        call_command(name, *args, "--json", stdout=out, stderr=err)
    except SystemExit as exit_:
        status = exit_.code
    lines = out.getvalue().strip().splitlines()
    return status, json.loads(lines[-1]), out.getvalue()
