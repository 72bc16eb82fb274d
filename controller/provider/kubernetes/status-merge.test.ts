// mergeStatus: translate's whole-status update keeps the separately written AIBudget usage,
// a field-owned update keeps everything else, and an updatedAt-only change is no change until
// the stored timestamp is old.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { carryUpdatedAt, mergeStatus } from './status-merge';

const conditions = [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '' }];
const usage = (at: string, used = 5) => ({
  updatedAt: at,
  subjects: [
    { subject: 'a', limits: [{ metric: 'Requests', window: '1h', used, limit: 10, remaining: 10 - used }] },
  ],
});

void describe('mergeStatus', () => {
  void it('keeps the stored usage under a translate update of an AIBudget', () => {
    const stored = { conditions: [], usage: usage('2026-01-01T00:00:00Z') };
    assert.deepEqual(mergeStatus('AIBudget', stored, { status: { conditions } }), {
      conditions,
      usage: usage('2026-01-01T00:00:00Z'),
    });
  });

  void it('replaces the whole status of kinds without a separate writer', () => {
    const stored = { conditions: [], usage: { x: 1 }, parents: [] };
    assert.deepEqual(mergeStatus('AIRoute', stored, { status: { conditions } }), { conditions });
  });

  void it('lets a whole-status update that carries the field win', () => {
    const stored = { usage: usage('2026-01-01T00:00:00Z') };
    const mine = usage('2026-01-02T00:00:00Z', 7);
    assert.deepEqual(mergeStatus('AIBudget', stored, { status: { conditions, usage: mine } }), {
      conditions,
      usage: mine,
    });
  });

  void it('keeps the stored conditions under a field-owned update', () => {
    const stored = { conditions, usage: usage('2026-01-01T00:00:00Z', 1) };
    const wanted = usage('2026-01-01T00:01:00Z', 2);
    assert.deepEqual(mergeStatus('AIBudget', stored, { status: { usage: wanted }, fields: ['usage'] }), {
      conditions,
      usage: wanted,
    });
  });

  void it('removes an owned field the update leaves out, and works on an empty status', () => {
    const stored = { conditions, usage: usage('2026-01-01T00:00:00Z') };
    assert.deepEqual(mergeStatus('AIBudget', stored, { status: {}, fields: ['usage'] }), { conditions });
    assert.deepEqual(
      mergeStatus('AIBudget', undefined, { status: { usage: usage('t') }, fields: ['usage'] }),
      {
        usage: usage('t'),
      },
    );
  });

  void it('treats an updatedAt-only change as none until refreshAfterMs', () => {
    const stored = { conditions, usage: usage('2026-01-01T00:00:00Z') };
    const later = (at: string) =>
      mergeStatus('AIBudget', stored, {
        status: { usage: usage(at) },
        fields: ['usage'],
        refreshAfterMs: 60_000,
      });
    assert.deepEqual(later('2026-01-01T00:00:30Z'), stored);
    assert.deepEqual(later('2026-01-01T00:01:00Z'), { conditions, usage: usage('2026-01-01T00:01:00Z') });
  });
});

void describe('carryUpdatedAt', () => {
  void it('takes the wanted value when anything else differs or a timestamp is missing', () => {
    assert.deepEqual(carryUpdatedAt(usage('b', 6), usage('a', 5)), usage('b', 6));
    assert.deepEqual(carryUpdatedAt(usage('b'), usage('a')), usage('a'));
    assert.deepEqual(carryUpdatedAt({ subjects: [] }, { subjects: [], updatedAt: 'a' }), { subjects: [] });
    assert.deepEqual(carryUpdatedAt(usage('b'), undefined), usage('b'));
  });
});
