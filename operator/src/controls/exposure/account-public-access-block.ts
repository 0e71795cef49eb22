// A523-04-ACCOUNT-PUBLIC-ACCESS-BLOCK (NoPublicExposure, checklist step 4): the
// account-wide block of public storage access is on, so a single mistaken bucket policy
// cannot publish data.

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { readLive, unreadFact } from '../live.js';

export const accountPublicAccessBlock: Control = {
  id: 'A523-04-ACCOUNT-PUBLIC-ACCESS-BLOCK',
  family: 'NoPublicExposure',
  checklistStep: 4,
  severity: 'medium',
  title: 'The account-wide block of public storage access is on',
  remediation:
    'Turn on all four S3 account-level Block Public Access settings (or deny public blob access for every storage account with Azure Policy), after moving any intentionally public content to a CDN with origin access control.',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, []);
    if (!live.ok) return live.outcome;
    const blocked = live.inventory.guardrails.accountPublicAccessBlock;
    if (blocked === undefined)
      return unreadFact(live.inventory, ['exposure', 'guardrails'], 'The account public access block');
    const timing = { evidenceAt: live.evidenceAt };
    if (!blocked) {
      const finding = { resource: live.inventory.accountId, message: 'Account-wide public access block is off' };
      return fail('AccountPublicAccessAllowed', 'The account-wide public access block is off', [finding], timing);
    }
    return pass('AccountPublicAccessBlocked', 'The account-wide public access block is on', timing);
  },
};
