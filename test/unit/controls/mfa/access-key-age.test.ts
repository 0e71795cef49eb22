// Table tests of A523-08-ACCESS-KEY-AGE (controls/mfa/access-key-age.ts).

import type { Identity } from '../../../../operator/src/inventory/types.js';
import { accessKeyAge } from '../../../../operator/src/controls/mfa/access-key-age.js';
import { DAY_MS } from '../../../../operator/src/controls/time.js';
import { NOW, aKey, aPolicy, aUser, anInput, anInventory, daysAgo } from '../../builders.js';
import { describeWithoutData, role, root } from './builders.js';

describe('A523-08-ACCESS-KEY-AGE ("forgotten API keys" trap)', () => {
  const withKeys = (...identities: Identity[]) => anInventory({ identities });

  it('passes with young keys and requeues when the first one turns too old', () => {
    const outcome = accessKeyAge.evaluate(
      anInput({ inventory: withKeys(aUser('a', { accessKeys: [aKey({ createdAt: daysAgo(80) })] })) }),
    );
    expect(outcome).toMatchObject({ status: 'True', reason: 'AccessKeysFresh' });
    expect(outcome.changesAt?.toISOString()).toBe(new Date(NOW.getTime() + 10 * DAY_MS).toISOString());
  });

  it('fails on an active key older than the policy maximum, on any kind of identity', () => {
    const inventory = withKeys(role('ci', { accessKeys: [aKey({ id: 'AKIA…OLD1', createdAt: daysAgo(200) })] }));
    const outcome = accessKeyAge.evaluate(anInput({ inventory }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'AccessKeysTooOld' });
    expect(outcome.findings[0]?.message).toBe('Access key AKIA…OLD1 of ci is 200 days old (max 90)');
  });

  it('ignores inactive keys', () => {
    const inventory = withKeys(aUser('a', { accessKeys: [aKey({ active: false, createdAt: daysAgo(900) })] }));
    expect(accessKeyAge.evaluate(anInput({ inventory })).status).toBe('True');
  });

  it('fails on any active root access key, whatever its age', () => {
    const inventory = withKeys(root({ accessKeys: [aKey({ createdAt: daysAgo(1) })] }));
    expect(accessKeyAge.evaluate(anInput({ inventory }))).toMatchObject({
      status: 'False',
      reason: 'RootAccessKeyActive',
    });
  });

  describe('boundary (maxAccessKeyAgeDays 30, strictly-confidential)', () => {
    const createdAt = new Date(NOW.getTime() - 30 * DAY_MS).toISOString();
    it.each([
      [-1, 'True'],
      [0, 'False'],
    ])('now = expiry %+d ms → %s', (offset, status) => {
      const input = anInput({
        inventory: withKeys(aUser('a', { accessKeys: [aKey({ createdAt })] })),
        policy: aPolicy({}, 'strictly-confidential'),
        now: new Date(NOW.getTime() + offset),
      });
      expect(accessKeyAge.evaluate(input).status).toBe(status);
    });
  });

  it('is Unknown when a key creation date is unreadable and nothing else fails', () => {
    const inventory = withKeys(aUser('a', { accessKeys: [aKey({ createdAt: 'n/a' })] }));
    expect(accessKeyAge.evaluate(anInput({ inventory }))).toMatchObject({
      status: 'Unknown',
      reason: 'AccessKeyAgeUnreadable',
    });
  });

  it('is False when another key already fails', () => {
    const inventory = withKeys(
      aUser('a', { accessKeys: [aKey({ createdAt: 'n/a' }), aKey({ createdAt: daysAgo(365) })] }),
    );
    expect(accessKeyAge.evaluate(anInput({ inventory })).status).toBe('False');
  });
});

describeWithoutData(accessKeyAge, { identitiesGap: true });
