"""anonymity and keys: AES-GCM ciphertexts, keyed audit chain, held anonymous entries, notification params

Re-encrypts every *_encrypted column (Fernet tokens carried their creation time in clear) and re-keys
the existing audit chain with the audit key, recording the old head in a new entry.

Revision ID: core_0002_aesgcm
Revises: core_0001
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = 'core_0002_aesgcm'
down_revision = 'core_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('core_audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=16), nullable=False, server_default=''))
    op.create_table('core_audit_held',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('entry', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_audit_held'))
    )
    with op.batch_alter_table('core_audit_held', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_audit_held_day'), ['day'], unique=False)
    with op.batch_alter_table('core_notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('core_login_failure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client', sa.String(length=32), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_core_login_failure_client'), ['client'], unique=False)
    bind = op.get_bind()
    _reencrypt(bind)
    _rekey_audit_chain(bind)


def _reencrypt(bind) -> None:
    from qorgau.core.keys import ENCRYPTED_SUFFIX, reencrypt_in

    inspector = sa.inspect(bind)
    names = [t for t in inspector.get_table_names()
             if any(c['name'].endswith(ENCRYPTED_SUFFIX) for c in inspector.get_columns(t))]
    if names:
        metadata = sa.MetaData()
        metadata.reflect(bind, only=names)
        reencrypt_in(bind, list(metadata.tables.values()))


def _rekey_audit_chain(bind) -> None:
    from qorgau.core.audit import GENESIS, audit_key_id, entry_hash, legacy_entry_hash
    from qorgau.core.config import get_settings

    from qorgau.core.db import UTCDateTime

    table = sa.table('core_audit_entry', sa.column('id'), sa.column('at', UTCDateTime()), sa.column('actor'), sa.column('action'),
                     sa.column('object_type'), sa.column('object_id'), sa.column('before', sa.JSON()),
                     sa.column('after', sa.JSON()), sa.column('reason'), sa.column('prev_hash'),
                     sa.column('hash'), sa.column('key_id'))
    key = get_settings().resolved_audit_key()
    key_id = audit_key_id(key)
    old_prev = new_prev = GENESIS
    count, intact, old_head = 0, True, GENESIS
    rows = bind.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    for row in rows:
        stamp = row['at'].astimezone(dt.UTC).isoformat()
        fields = (stamp, row['actor'], row['action'], row['object_type'], row['object_id'], row['before'],
                  row['after'], row['reason'])
        if intact and (row['prev_hash'] != old_prev or legacy_entry_hash(old_prev, *fields) != row['hash']):
            intact = False
        old_prev = old_head = row['hash']
        digest = entry_hash(new_prev, *fields, key=key)
        bind.execute(sa.update(table).where(table.c.id == row['id'])
                     .values(prev_hash=new_prev, hash=digest, key_id=key_id))
        new_prev = digest
        count += 1
    if not count:
        return
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    after = {"entries": count, "old_head_hash": old_head, "old_chain_intact": intact, "key_id": key_id}
    reason = "upgrade: the chain is now keyed (HMAC-SHA256) with the audit key"
    digest = entry_hash(new_prev, now.isoformat(), "system:migrate", "audit.rekeyed", "core_audit_entry", "",
                        None, after, reason, key=key)
    bind.execute(sa.insert(table).values(at=now, actor="system:migrate", action="audit.rekeyed",
                                         object_type="core_audit_entry", object_id="", before=None, after=after,
                                         reason=reason, prev_hash=new_prev, hash=digest, key_id=key_id))


def downgrade() -> None:
    with op.batch_alter_table('core_login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_login_failure_client'))
        batch_op.drop_column('client')
    with op.batch_alter_table('core_notification', schema=None) as batch_op:
        batch_op.drop_column('params')
    with op.batch_alter_table('core_audit_held', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_audit_held_day'))
    op.drop_table('core_audit_held')
    with op.batch_alter_table('core_audit_entry', schema=None) as batch_op:
        batch_op.drop_column('key_id')
