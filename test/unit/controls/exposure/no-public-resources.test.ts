// Table tests of A523-04-NO-PUBLIC-RESOURCES (controls/exposure/no-public-resources.ts).

import { noPublicResources } from '../../../../operator/src/controls/exposure/no-public-resources.js';
import { aResource, anInput, anInventory, withGaps } from '../../builders.js';

describe('A523-04-NO-PUBLIC-RESOURCES', () => {
  it('passes when nothing is public', () => {
    expect(noPublicResources.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'NoPublicResources' });
  });

  it('fails naming the resource and why it is public', () => {
    const inventory = anInventory({
      resources: [
        aResource({ id: 'snap-public', kind: 'snapshot', public: true, publicReason: 'createVolumePermission: all' }),
        aResource({ id: 'bucket-acl', public: true }),
      ],
    });
    const outcome = noPublicResources.evaluate(anInput({ inventory }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'PublicResources' });
    expect(outcome.findings).toEqual([
      { resource: 'bucket-acl', message: 'bucket in eu-west-1 is public' },
      { resource: 'snap-public', message: 'snapshot in eu-west-1 is public (createVolumePermission: all)' },
    ]);
    expect(noPublicResources.severity).toBe('critical');
  });

  it('is Unknown when a bucket exposure is unreadable; volumes need no exposure fact', () => {
    const unreadBucket = anInventory({ resources: [aResource({ public: undefined })] });
    expect(noPublicResources.evaluate(anInput({ inventory: unreadBucket }))).toMatchObject({
      status: 'Unknown',
      reason: 'ExposureUnreadable',
    });
    const volume = anInventory({ resources: [aResource({ kind: 'volume', public: undefined })] });
    expect(noPublicResources.evaluate(anInput({ inventory: volume })).status).toBe('True');
  });

  it.each(['resources', 'exposure'] as const)('is Unknown on a %s gap', (area) => {
    const inventory = anInventory({ resources: [aResource({ public: true })] });
    expect(noPublicResources.evaluate(anInput({ inventory: withGaps(inventory, area) })).status).toBe('Unknown');
  });
});
