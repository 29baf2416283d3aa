"""The loopback HTTP server every connector's tests share (sidos/listening/connectors/tests/server.py)."""

import pytest

from sidos.listening.connectors.tests.server import LoopbackServer


@pytest.fixture
def server():
    running = LoopbackServer().start()
    yield running
    running.stop()
