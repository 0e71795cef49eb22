// A523-04-DEFAULT-ENCRYPTION (EncryptionAtRest, checklist step 4): new volumes are
// encrypted by default in every region the account uses; a region missing from the
// settings read is Unknown, not a failure.

import type { Control, ControlFinding } from '../types.js';
import { judgeItems, pass } from '../outcome.js';
import { readLive, unreadFact } from '../live.js';
import { normalizeRegion, regionsInUse } from '../regions.js';
import { plural } from '../text.js';

export const defaultVolumeEncryption: Control = {
  id: 'A523-04-DEFAULT-ENCRYPTION',
  family: 'EncryptionAtRest',
  checklistStep: 4,
  severity: 'medium',
  title: 'Default encryption of new volumes is on in every region the account uses',
  remediation:
    'Turn on default encryption for new block volumes (EC2 "EBS encryption by default" per region, or the equivalent Azure Policy) in each listed region.',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, ['resources']);
    if (!live.ok) return live.outcome;
    const settings = live.inventory.guardrails.defaultVolumeEncryption;
    const regions = regionsInUse(live.inventory);
    if (settings === undefined) {
      if (regions.length === 0) return pass('NoRegionsInUse', 'No regions in use', { evidenceAt: live.evidenceAt });
      return unreadFact(live.inventory, ['encryption', 'guardrails'], 'Default volume encryption');
    }
    const byRegion = new Map(Object.entries(settings).map(([region, on]) => [normalizeRegion(region), on]));
    const failures: ControlFinding[] = [];
    const unreadable: string[] = [];
    for (const region of regions) {
      const on = byRegion.get(region);
      if (on === undefined) unreadable.push(region);
      else if (!on) failures.push({ resource: region, message: `Default volume encryption is off in ${region}` });
    }
    return judgeItems(
      { failures, unreadable },
      {
        failReason: 'DefaultEncryptionOff',
        failMessage: `Default volume encryption off in ${plural(failures.length, 'region')} in use`,
        unknownReason: 'DefaultEncryptionUnreadable',
        unknownMessage: `Default volume encryption unreadable for ${plural(unreadable.length, 'region')} in use`,
        passReason: 'DefaultEncryptionOn',
        passMessage: `Default volume encryption on in the ${plural(regions.length, 'region')} in use`,
        timing: { evidenceAt: live.evidenceAt },
      },
    );
  },
};
