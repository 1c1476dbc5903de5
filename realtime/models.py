"""What the live channel must remember durably."""

from django.db import models


class CommandReceipt(models.Model):
    """The first answer to a command, so a retry is applied at most once.

    Stored in the same transaction as the command's effect: if the effect is committed,
    so is the receipt, and a retry with the same (sender, id) after a reconnect or a
    server restart gets this answer instead of a second application.
    """

    # "p:<participant id>" or "u:<user id>"
    sender = models.CharField(max_length=32)
    command_id = models.CharField(max_length=64)
    answer = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "command_id"], name="receipt_once"),
        ]
        # Receipts past their retention period are deleted by age (realtime/writer.py).
        indexes = [models.Index(fields=["created_at"], name="receipt_created")]

    def __str__(self):
        return f"{self.sender}/{self.command_id}"
