from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_staff')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Campaign',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=12)),
                ('name', fields.CharField(max_length=64)),
                ('kind', fields.CharField(max_length=16)),
                ('district', fields.CharField(default='', max_length=16)),
                ('place', fields.CharField(default='', max_length=64)),
                ('starts_on', fields.DateField(null=True)),
                ('ends_on', fields.DateField(null=True)),
                ('target', fields.CharField(default='/', max_length=128)),
                ('active', fields.BooleanField(default=True)),
                ('created_by', fields.CharField(default='', max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'campaign', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A QR code for one job fair, village visit, office window or online post.'},
            bases=['Model'],
        ),
    ]
