"""Call-back requests: 请工作人员联系我, from the guides and the self-check (issue 16)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_second_factor')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Callback',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('program', fields.CharField(max_length=64)),
                ('district', fields.CharField(max_length=16)),
                ('time_of_day', fields.CharField(max_length=8)),
                ('status', fields.CharField(default='open', max_length=8)),
                ('sealed', fields.TextField(unique=False)),
                ('phone_hash', fields.CharField(max_length=32)),
                ('idem_key', fields.CharField(null=True, unique=True, max_length=32)),
                ('idem_fingerprint', fields.CharField(default='', max_length=32)),
                ('note', fields.TextField(default='', unique=False)),
                ('done_by', fields.CharField(default='', max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('purged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'callback', 'app': 'models', 'pk_attr': 'id', 'table_description': "A request to be phoned back (请工作人员联系我): from a guide or the self-check's results."},
            bases=['Model'],
        ),
    ]
