from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Application',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reference', fields.CharField(unique=True, max_length=12)),
                ('program', fields.CharField(max_length=64)),
                ('district', fields.CharField(max_length=16)),
                ('status', fields.CharField(default='submitted', max_length=16)),
                ('campaign', fields.CharField(default='', max_length=32)),
                ('sealed', fields.TextField(unique=False)),
                ('phone_hash', fields.CharField(max_length=32)),
                ('open_key', fields.CharField(null=True, unique=True, max_length=32)),
                ('idem_key', fields.CharField(null=True, max_length=32)),
                ('idem_fingerprint', fields.CharField(default='', max_length=32)),
                ('message', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('purged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'application', 'app': 'models', 'pk_attr': 'id', 'table_description': "One person's application for one program."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApplicationEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('actor', fields.CharField(max_length=64)),
                ('from_status', fields.CharField(default='', max_length=16)),
                ('to_status', fields.CharField(max_length=16)),
                ('message', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'application_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A status change: who, when, from, to, and the message to the applicant.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Strike',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('scope', fields.CharField(max_length=16)),
                ('client', fields.CharField(max_length=32)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'strike', 'app': 'models', 'indexes': [Index(fields=['scope', 'client', 'at'])], 'pk_attr': 'id', 'table_description': 'One counted attempt (a failed status lookup, a failed login...) by one client.'},
            bases=['Model'],
        ),
    ]
