"""Failed and locked sign-ins counted on one audit row per window (issue 19)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_person_key')]

    initial = False

    operations = [
        ops.AddField(
            model_name='AuditEntry',
            name='count',
            field=fields.IntField(default=1, db_default=1),
        ),
        ops.AddField(
            model_name='AuditEntry',
            name='last_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
