import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from sidos.accounts.actions import create_api_token, revoke_api_token
from sidos.accounts.models import ApiToken

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers"


def bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def token_from_command(username: str, *args: str) -> str:
    out = io.StringIO()
    call_command("create-api-token", username, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()[-1]


def test_it_prints_a_working_token_as_the_last_line(agent):
    raw = token_from_command("agent", "--name", "crm sync")
    assert raw.startswith("sid_")
    assert bearer(raw).get(URL).status_code == 200
    assert ApiToken.objects.get().name == "crm sync"


def test_it_stores_only_the_hash_of_a_token(agent):
    raw = token_from_command("agent")
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert ApiToken.objects.get().key_hint == raw[:10]


def test_it_fails_with_status_2_for_an_unknown_user(db):
    with pytest.raises(CommandError) as error:
        call_command("create-api-token", "nobody", stdout=io.StringIO())
    assert error.value.returncode == 2


def test_it_rejects_a_request_without_a_token(agent):
    response = Client().get(URL)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_it_rejects_an_unknown_token(agent):
    assert bearer("sid_" + "x" * 43).get(URL).status_code == 401


def test_it_rejects_a_staff_login_session_without_a_token(agent_client):
    assert agent_client.get(URL).status_code == 401


def test_it_rejects_a_revoked_token(agent):
    token, raw = create_api_token(agent)
    revoke_api_token(token)
    assert bearer(raw).get(URL).status_code == 401


def test_it_rejects_an_expired_token(agent):
    token, raw = create_api_token(agent, valid_days=30)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert bearer(raw).get(URL).status_code == 401


def test_it_accepts_a_token_before_it_expires(agent):
    _token, raw = create_api_token(agent, valid_days=1)
    assert bearer(raw).get(URL).status_code == 200


def test_it_rejects_the_token_of_a_deactivated_user(agent):
    _token, raw = create_api_token(agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert bearer(raw).get(URL).status_code == 401


def test_it_revokes_a_token_given_in_full_with_the_command(agent):
    raw = token_from_command("agent")
    call_command("revoke-api-token", raw, stdout=io.StringIO())
    assert ApiToken.objects.get().revoked_at is not None
    assert bearer(raw).get(URL).status_code == 401


def test_it_revokes_a_token_given_by_its_hint_with_the_command(agent):
    raw = token_from_command("agent")
    call_command("revoke-api-token", raw[:10], stdout=io.StringIO())
    assert bearer(raw).get(URL).status_code == 401


def test_it_leaves_other_tokens_working_after_a_revoke(agent):
    first, second = token_from_command("agent"), token_from_command("agent")
    call_command("revoke-api-token", first, stdout=io.StringIO())
    assert bearer(second).get(URL).status_code == 200


def test_it_records_when_a_token_was_last_used(agent):
    token, raw = create_api_token(agent)
    bearer(raw).get(URL)
    token.refresh_from_db()
    assert token.last_used_at is not None
