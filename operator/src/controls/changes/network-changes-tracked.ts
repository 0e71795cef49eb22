// A523-10-NETWORK-CHANGES-TRACKED (ChangesTracked, checklist step 10): every change to
// the virtual network and firewall rules was made by the declared deployer or carries an
// acknowledged change record; refused calls and break-glass records are not counted here
// (break-glass uses have their own control). The verdicts are judge.ts's.

import type { Control, ControlFinding } from '../types.js';
import { fail, pass } from '../outcome.js';
import { listSome, plural } from '../text.js';
import { describeRecord, isProviderAccess, readChanges } from './judge.js';

export const networkChangesTracked: Control = {
  id: 'A523-10-NETWORK-CHANGES-TRACKED',
  family: 'ChangesTracked',
  checklistStep: 10,
  severity: 'high',
  title: 'Every network and firewall change was made by the GitOps / IaC deployer or has an acknowledged change record',
  remediation:
    'Raise a change record for each listed change (before/after state, peer review by a second engineer) and add it to spec.changeManagement.acknowledgements with changeId, reference and acknowledgedBy; then make the change through the pipeline (or revert it) so the declared code is the source of truth. If the change came from a legitimate automation, add its role ARN to spec.changeManagement.deployerPrincipals.',
  // Not 'live': reads input.changes (the audit trail), never the account inventory.
  needs: 'spec',
  evaluate(input) {
    const read = readChanges(input);
    if (!read.ok) return read.outcome;
    const judged = read.judged.filter((j) => j.breakGlass === undefined && !isProviderAccess(j));
    const outOfBand = judged.filter((j) => !j.tracked && !j.acknowledged);
    if (outOfBand.length > 0) {
      const findings: ControlFinding[] = outOfBand.map((j) => ({
        resource: j.record.resource || j.record.region,
        message: `Out-of-band change: ${describeRecord(j.record)}; not made by a declared deployer and not acknowledged`,
      }));
      return fail(
        'OutOfBandChanges',
        `${plural(outOfBand.length, 'network change')} without a change record: ${listSome(
          outOfBand.map((j) => `${j.record.action} by ${j.record.actor}`),
          3,
          '; ',
        )}`,
        findings,
      );
    }
    const tracked = judged.filter((j) => j.tracked).length;
    const acknowledged = judged.length - tracked;
    if (judged.length === 0) return pass('NoNetworkChanges', 'No network or firewall changes in the audit trail read so far');
    return pass(
      'ChangesTracked',
      `${plural(judged.length, 'network change')}: ${tracked} by the declared deployer, ${acknowledged} acknowledged with a change record`,
    );
  },
};
