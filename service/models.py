"""Database models (Tortoise ORM). Schema changes go through `service/migrations/`.

Nothing personal is stored here yet: ``Tally`` keeps anonymous counts (self-checks per hour,
per campaign code) for the staff's funnel figures.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Tally(Model):
    """How many times something anonymous happened in one hour (UTC), per campaign code."""

    id = fields.IntField(primary_key=True)
    hour = fields.DatetimeField()
    event = fields.CharField(max_length=16)  # "check" (more kinds as features land)
    campaign = fields.CharField(max_length=32, default="")  # "" = not from a campaign
    count = fields.IntField(default=0)

    class Meta:
        table = "tally"
        unique_together = (("hour", "event", "campaign"),)
