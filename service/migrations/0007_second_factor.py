"""A second factor for staff sign-in (TOTP), required for administrators (issue 19)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_audit_counts')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Staff',
            name='recovery_hashes',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='Staff',
            name='totp_pending',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='Staff',
            name='totp_sealed',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='Staff',
            name='totp_step',
            field=fields.BigIntField(default=0, db_default=0),
        ),
    ]
