"""Status by SMS (the outbox) and 到账了吗 (the applicant's answer after approval), issue 16."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_callbacks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SmsMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='texts', on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(unique=True, max_length=32)),
                ('phone', fields.TextField(unique=False)),
                ('text', fields.CharField(max_length=200)),
                ('params', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharField(default='pending', max_length=8)),
                ('attempts', fields.IntField(default=0)),
                ('due_ms', fields.BigIntField()),
                ('lease_ms', fields.BigIntField(null=True)),
                ('claim', fields.CharField(default='', max_length=32)),
                ('error', fields.CharField(default='', max_length=200)),
                ('provider_ref', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sms_message', 'app': 'models', 'indexes': [Index(fields=['status', 'due_ms'])], 'pk_attr': 'id', 'table_description': 'One text to an applicant about a status change: the outbox row, written in the same'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Application',
            name='received',
            field=fields.BooleanField(null=True),
        ),
        ops.AddField(
            model_name='Application',
            name='received_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Application',
            name='sms_phone',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
    ]
