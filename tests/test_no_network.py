"""The suite cannot reach the network: pytest-socket allows this machine only (pyproject addopts)."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_a_stray_network_call_fails():
    with pytest.raises(SocketConnectBlockedError), pytest.warns(UserWarning):
        socket.create_connection(("93.184.216.34", 443), timeout=1)
