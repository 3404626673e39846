from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Tally',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('hour', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('event', fields.CharField(max_length=16)),
                ('campaign', fields.CharField(default='', max_length=32)),
                ('count', fields.IntField(default=0)),
            ],
            options={'table': 'tally', 'app': 'models', 'unique_together': (('hour', 'event', 'campaign'),), 'pk_attr': 'id', 'table_description': 'How many times something anonymous happened in one hour (UTC), per campaign code.'},
            bases=['Model'],
        ),
    ]
