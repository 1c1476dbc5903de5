from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "Realtime"

    def ready(self):
        # The domain announces its changes (workshops/signals.py); the live channel
        # listens. workshops/ imports nothing from here.
        from realtime import listeners

        listeners.connect()
        format_autobahn_debug_only_when_asked()


def format_autobahn_debug_only_when_asked() -> None:
    """autobahn (under Daphne) pretty-prints its whole configuration for a debug line on
    every new WebSocket, whether debug logging is on or not: about 1 ms of the server's
    event loop per connection, a second when a thousand phones reconnect at once. Its
    ``pformat`` is used for debug output only; format when debug logging is on."""
    try:
        import txaio
        from autobahn.websocket import protocol
    except ImportError:  # no Daphne here
        return
    import pprint

    def pformat(value, *args, **kwargs):
        try:
            level = txaio.get_global_log_level()
        except Exception:  # noqa: BLE001 - no framework chosen yet: nothing logs
            level = "info"
        if level in ("debug", "trace"):
            return pprint.pformat(value, *args, **kwargs)
        return ""

    protocol.pformat = pformat
