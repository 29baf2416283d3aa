import os
import subprocess
import sys

import pytest


def load_settings(**env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SIDOS_")}
    environment.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE'], settings.DEBUG)",
        ],
        env={**environment, "DJANGO_SETTINGS_MODULE": "sidos.settings"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings()
    assert result.returncode != 0
    assert "SIDOS_SECRET_KEY is not set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = load_settings(SIDOS_SECRET_KEY="short")
    assert "at least 32 characters" in result.stderr


def test_a_real_secret_key_starts_with_sqlite_by_default():
    result = load_settings(SIDOS_SECRET_KEY="x" * 50)
    assert result.stdout.split() == ["django.db.backends.sqlite3", "False"]


def test_postgres_is_selected_by_url():
    result = load_settings(
        SIDOS_SECRET_KEY="x" * 50, SIDOS_DATABASE_URL="postgres://u:p@127.0.0.1:5432/sidos"
    )
    assert result.stdout.split()[0] == "django.db.backends.postgresql"


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_misspelt_boolean_is_an_error_not_a_guess(value):
    result = load_settings(SIDOS_DEBUG=value)
    assert "SIDOS_DEBUG must be one of" in result.stderr


def test_redis_task_backend_is_selectable_without_redis_running():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django_tasks import task_backends; "
            "print(type(task_backends['default']).__name__)",
        ],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("SIDOS_")},
            "SIDOS_DEBUG": "1",
            "SIDOS_TASK_BACKEND": "redis",
            "DJANGO_SETTINGS_MODULE": "sidos.settings",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == "RQBackend", result.stderr
