"""Photos of an application's documents, sealed in the database, and the document a
reviewer asks for with need_info (issue 16, item 1). After the call-back requests (0008)
and the SMS outbox (0009) of the same issue.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_sms_outbox')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DocumentPhoto',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='photos', on_delete=OnDelete.CASCADE)),
                ('document', fields.CharField(max_length=32)),
                ('sealed', fields.TextField(unique=False)),
                ('size', fields.IntField()),
                ('width', fields.IntField()),
                ('height', fields.IntField()),
                ('idem_key', fields.CharField(null=True, unique=True, max_length=32)),
                ('idem_fingerprint', fields.CharField(default='', max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'document_photo', 'app': 'models', 'indexes': [Index(fields=['application_id', 'document'])], 'pk_attr': 'id', 'table_description': 'A photo of one checklist document, sent by the applicant (service/documents.py).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Application',
            name='asked_document',
            field=fields.CharField(default='', db_default='', max_length=32),
        ),
    ]
