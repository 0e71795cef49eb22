// A523-08-BREAK-GLASS-USED (ChangesTracked, checklist step 8): a declared break-glass
// (emergency access) identity was not used, or each use was reviewed and acknowledged.
// A refused call still counts: someone tried. The verdicts are judge.ts's.

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { listSome, plural } from '../text.js';
import { describeRecord, readChanges } from './judge.js';

export const breakGlassUsed: Control = {
  id: 'A523-08-BREAK-GLASS-USED',
  family: 'ChangesTracked',
  checklistStep: 8,
  severity: 'high',
  title: 'Break-glass (emergency access) identities were not used, or each use was reviewed',
  remediation:
    'Confirm the emergency that justified each break-glass use, review everything the identity did (the listed calls), rotate its credentials and re-seal its MFA device, then record the review in spec.changeManagement.acknowledgements (changeId = the use id, reference = the incident or review ticket).',
  // Not 'live': reads input.changes (the audit trail), never the account inventory.
  needs: 'spec',
  evaluate(input) {
    const declared = input.spec.breakGlassIdentities ?? [];
    if (declared.length === 0) return pass('NoBreakGlassDeclared', 'No break-glass identities declared');
    const read = readChanges(input);
    if (!read.ok) return read.outcome;
    const uses = read.judged.filter((j) => j.breakGlass !== undefined);
    const open = uses.filter((j) => !j.acknowledged);
    if (open.length > 0) {
      return fail(
        'BreakGlassUsed',
        `Break-glass ${plural(open.length, 'use')} not reviewed: ${listSome(
          open.map((j) => `${j.breakGlass} ${j.record.kind === 'sign-in' ? 'signed in' : `called ${j.record.action}`} at ${j.record.time}`),
          3,
          '; ',
        )}`,
        open.map((j) => ({ resource: j.record.actor, message: `Break-glass use by ${j.breakGlass}: ${describeRecord(j.record)}` })),
      );
    }
    if (uses.length > 0) {
      return pass('BreakGlassUseReviewed', `${plural(uses.length, 'break-glass use')}, each acknowledged with a review`);
    }
    return pass('NoBreakGlassUse', `No use of the ${plural(declared.length, 'break-glass identity', 'break-glass identities')} in the audit trail read so far`);
  },
};
