"""Server-side settings `vnb lab` gives the JupyterLab it starts (imported by that server only).

Stock Tornado leaves Nagle's algorithm on for the kernel websocket. The editor's messages are
small (a frame request, a playhead), and Nagle meeting the browser's delayed ACKs puts a ~40 ms
floor under every round trip: measured, a widget round trip takes ~50 ms p50 on a stock server
and ~25 ms with ``TCP_NODELAY`` (`benchmarks/browser_bench.py`). `LowLatencyConnection` is the
stock kernel websocket connection with ``TCP_NODELAY`` set when it connects; `vnb lab` names it
in ``ServerApp.kernel_websocket_connection_class``, a documented jupyter_server setting.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

__all__ = ["LowLatencyConnection"]


class LowLatencyConnection(ZMQChannelsWebsocketConnection):
    """The kernel websocket connection of jupyter_server, with ``TCP_NODELAY`` on."""

    def connect(self) -> Any:
        """Turn Nagle's algorithm off for this websocket, then connect as usual."""
        self.websocket_handler.set_nodelay(True)
        return super().connect()
