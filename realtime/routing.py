"""WebSocket routes."""

from django.urls import path

from realtime.consumer import ForumConsumer

websocket_urlpatterns = [
    path("ws/forum/<str:code>/", ForumConsumer.as_asgi()),
]
