// Table tests of A523-04-DEFAULT-ENCRYPTION (controls/encryption/default-volume-encryption.ts).

import { defaultVolumeEncryption } from '../../../../operator/src/controls/encryption/default-volume-encryption.js';
import { aResource, anInput, anInventory } from '../../builders.js';

describe('A523-04-DEFAULT-ENCRYPTION', () => {
  const withDefaults = (defaultVolumeEncryption: Record<string, boolean> | undefined, regions = ['eu-west-1']) =>
    anInventory({
      resources: regions.map((region, i) => aResource({ id: `r${i}`, region })),
      guardrails: { ...anInventory().guardrails, defaultVolumeEncryption },
    });

  it('fails when default encryption is off in a region the account uses', () => {
    const outcome = defaultVolumeEncryption.evaluate(anInput({ inventory: withDefaults({ 'eu-west-1': false }) }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'DefaultEncryptionOff' });
    expect(outcome.findings).toEqual([
      { resource: 'eu-west-1', message: 'Default volume encryption is off in eu-west-1' },
    ]);
  });

  it('ignores regions the account does not use', () => {
    const inventory = withDefaults({ 'eu-west-1': true, 'us-east-1': false });
    expect(defaultVolumeEncryption.evaluate(anInput({ inventory })).status).toBe('True');
  });

  it('is Unknown when the setting of a region in use is missing', () => {
    const inventory = withDefaults({ 'eu-west-1': true }, ['eu-west-1', 'eu-west-2']);
    expect(defaultVolumeEncryption.evaluate(anInput({ inventory }))).toMatchObject({
      status: 'Unknown',
      reason: 'DefaultEncryptionUnreadable',
    });
  });

  it('is Unknown when the settings were not read at all', () => {
    expect(defaultVolumeEncryption.evaluate(anInput({ inventory: withDefaults(undefined) })).status).toBe('Unknown');
  });
});
