"""A stranger who knows someone's ID number must not lock them out (issue 19).

``open_key`` becomes HMAC(ID number, program, phone); the old HMAC(ID number, program) moves
to ``person_key``, which staff use to see possible identity conflicts. Open applications made
before this keep their old ``open_key`` (it cannot be recomputed without decrypting), so a
second one from the same phone is taken and shown to staff as a conflict rather than refused.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0004_campaigns")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Application",
            name="person_key",
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.RunSQL("UPDATE application SET person_key = open_key WHERE open_key IS NOT NULL",
                   reverse_sql="UPDATE application SET person_key = NULL"),
    ]
