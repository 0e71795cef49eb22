// evaluateService: the families, findings, Compliant, summary and requeue of one input
// (controls/evaluate.ts).

import type { ConditionStatus } from '../../../operator/src/api/types.js';
import type { ConditionType, Control, ControlOutcome } from '../../../operator/src/controls/types.js';
import { CATALOG } from '../../../operator/src/controls/catalog.js';
import { evaluateService, floorRatio } from '../../../operator/src/controls/evaluate.js';
import { DAY_MS } from '../../../operator/src/controls/time.js';
import { NOW, aPolicy, aResource, aSpec, aUser, anInput, anInventory, liveFailed, withGaps } from '../builders.js';
import { DEPLOY_ROLE, record, specWith } from './changes/builders.js';

/** A stand-in control with a fixed outcome, to test aggregation on its own. */
function fixed(
  id: string,
  family: ConditionType,
  status: ConditionStatus,
  extra: Partial<ControlOutcome> = {},
  severity: Control['severity'] = 'high',
): Control {
  return {
    id,
    family,
    checklistStep: Number(id.slice(5, 7)),
    severity,
    title: id,
    remediation: `Fix ${id}`,
    needs: 'spec',
    evaluate: () => ({
      status,
      reason: `${id}-reason`,
      message: `${id} says ${status}`,
      findings: status === 'False' ? [{ message: `${id} finding` }] : [],
      ...extra,
    }),
  };
}

describe('evaluateService on the real catalog', () => {
  it('reports a compliant service: every family True, no findings, summary filled', () => {
    const evaluation = evaluateService(anInput());
    expect(evaluation.families.map((f) => [f.type, f.status])).toEqual([
      ['ResponsibilityDefined', 'True'],
      ['ContractReviewed', 'True'],
      ['AssuranceCurrent', 'True'],
      ['ExitPlanReady', 'True'],
      ['MFAEnforced', 'True'],
      ['DataResidency', 'True'],
      ['EncryptionAtRest', 'True'],
      ['NoPublicExposure', 'True'],
      ['AuditLogging', 'True'],
      ['ChangesTracked', 'True'],
      ['ProviderAccessControlled', 'True'],
      ['InSync', 'True'],
    ]);
    expect(evaluation.compliant).toEqual({
      status: 'True',
      reason: 'AllControlsPass',
      message: 'All 12 required control families pass.',
    });
    expect(evaluation.findings).toEqual([]);
    expect(evaluation.summary).toEqual({
      mfaCoverage: 1,
      identities: 5,
      privilegedWithoutMFA: 0,
      regionViolations: 0,
      findings: 0,
    });
    expect(evaluation.evidence.length).toBeGreaterThan(10);
  });

  it('publishes ChangesTracked (Unknown until the audit trail is read) and InSync (True without spec.iac)', () => {
    const unread = evaluateService({ ...anInput(), changes: undefined }).families;
    expect(unread.find((f) => f.type === 'ChangesTracked')).toMatchObject({ status: 'Unknown', reason: 'ChangeLogNotRead' });
    expect(unread.find((f) => f.type === 'InSync')).toMatchObject({ status: 'True', reason: 'NotApplicable' });
  });

  it('requeues at the earliest instant an outcome changes by time alone', () => {
    // The trail's last delivery (1 h ago) turns stale 23 h from now: the earliest change.
    expect(evaluateService(anInput()).requeueAt).toEqual(new Date(NOW.getTime() + 23 * 3_600_000));
    const contractSoon = aSpec({
      contract: { ...aSpec().contract!, reviewedAt: new Date(NOW.getTime() - 365 * DAY_MS + 3_600_000).toISOString() },
    });
    expect(evaluateService(anInput({ spec: contractSoon })).requeueAt).toEqual(new Date(NOW.getTime() + 3_600_000));
  });

  it('fails Compliant naming the failing families, with findings sorted by severity then control id', () => {
    const inventory = anInventory({
      rootMfaEnabled: false,
      resources: [
        aResource({ id: 'pub', public: true }),
        aResource({ id: 'plain', kind: 'volume', encrypted: false, public: undefined }),
      ],
    });
    const evaluation = evaluateService(anInput({ inventory, spec: aSpec({ contract: undefined }) }));
    expect(evaluation.compliant).toMatchObject({ status: 'False', reason: 'ControlsFailing' });
    expect(evaluation.compliant.message).toBe(
      'Failing: ResponsibilityDefined, ContractReviewed, MFAEnforced, EncryptionAtRest, NoPublicExposure.',
    );
    expect(evaluation.findings.map((f) => [f.severity, f.control, f.resource ?? ''])).toEqual([
      ['critical', 'A523-04-NO-PUBLIC-RESOURCES', 'pub'],
      ['critical', 'A523-08-ROOT-MFA', 'root'],
      ['high', 'A523-02-CONTRACT-TERMS', ''],
      ['high', 'A523-03-CUSTOMER-DUTIES-MET', 'encryption-keys'],
      ['high', 'A523-03-CUSTOMER-DUTIES-MET', 'identity-and-access'],
      ['high', 'A523-04-STORAGE-ENCRYPTED', 'plain'],
    ]);
    const finding = evaluation.findings[0];
    expect(finding?.condition).toBe('NoPublicExposure');
    expect(finding?.remediation).toMatch(/Remove the public grant/);
    expect(evaluation.summary.findings).toBe(6);
    const mfa = evaluation.families.find((f) => f.type === 'MFAEnforced');
    expect(mfa).toMatchObject({ status: 'False', reason: 'RootWithoutMFA', message: 'The root account has no MFA.' });
  });

  it('is deterministic whatever order the collector listed things in', () => {
    const resources = [
      aResource({ id: 'c', public: true }),
      aResource({ id: 'a', encrypted: false }),
      aResource({ id: 'b', region: 'us-east-1' }),
    ];
    const identities = [
      aUser('x', { mfaEnabled: false }),
      aUser('breakglass-admin'),
      aUser('y', { mfaEnabled: false }),
    ];
    const one = evaluateService(anInput({ inventory: anInventory({ resources, identities }) }));
    const two = evaluateService(
      anInput({
        inventory: anInventory({ resources: [...resources].reverse(), identities: [...identities].reverse() }),
      }),
    );
    expect(two).toEqual(one);
  });

  it('turns Compliant Unknown, never False, when the account could not be read', () => {
    const evaluation = evaluateService(anInput({ inventory: liveFailed('CredentialsMissing') }));
    expect(evaluation.compliant.status).toBe('Unknown');
    expect(evaluation.families.filter((f) => f.status === 'False')).toEqual([]);
    expect(evaluation.findings).toEqual([]);
    expect(evaluation.summary).toEqual({ findings: 0 });
    expect(evaluation.families.find((f) => f.type === 'MFAEnforced')).toMatchObject({
      status: 'Unknown',
      reason: 'CredentialsMissing',
    });
  });

  it('leaves summary numbers out for areas that were not read', () => {
    const summary = evaluateService(anInput({ inventory: withGaps(anInventory(), 'identities') })).summary;
    expect(summary.mfaCoverage).toBeUndefined();
    expect(summary.privilegedWithoutMFA).toBeUndefined();
    expect(summary.regionViolations).toBe(0);
  });

  it('counts region violations and MFA coverage in the summary', () => {
    const inventory = anInventory({
      identities: [
        aUser('breakglass-admin'),
        ...Array.from({ length: 199 }, (_, i) => aUser(`u${i}`)),
        aUser('nomfa', { mfaEnabled: false }),
      ],
      resources: [aResource({ region: 'us-east-1' }), aResource({ id: 'x', region: 'ap-south-1' })],
    });
    const summary = evaluateService(anInput({ inventory })).summary;
    expect(summary.mfaCoverage).toBe(0.99); // 200/201, rounded down
    expect(summary.privilegedWithoutMFA).toBe(1);
    expect(summary.regionViolations).toBe(2);
  });

  it('keeps an exempt family and its findings but does not count it towards Compliant', () => {
    const spec = aSpec({ exitPlan: undefined });
    const policy = aPolicy({ exemptConditions: ['ExitPlanReady'] });
    const evaluation = evaluateService(anInput({ spec, policy }));
    expect(evaluation.families.find((f) => f.type === 'ExitPlanReady')?.status).toBe('False');
    // Plan missing (1 finding), and no verified dry run (2 findings).
    expect(evaluation.findings.map((f) => [f.condition, f.control])).toEqual([
      ['ExitPlanReady', 'A523-07-EXIT-DRILL-CURRENT'],
      ['ExitPlanReady', 'A523-07-EXIT-DRILL-CURRENT'],
      ['ExitPlanReady', 'A523-07-EXIT-PLAN-DOCUMENTED'],
    ]);
    expect(evaluation.compliant).toEqual({
      status: 'True',
      reason: 'AllControlsPass',
      message: 'All 11 required control families pass. Exempt: ExitPlanReady (False).',
    });
  });
});

describe('evaluateService aggregation', () => {
  it.each<[ConditionStatus[], ConditionStatus]>([
    [['True', 'True'], 'True'],
    [['True', 'Unknown'], 'Unknown'],
    [['Unknown', 'False'], 'False'],
    [['False', 'True', 'Unknown'], 'False'],
  ])('family of %p is %s (False beats Unknown beats True)', (statuses, expected) => {
    const catalog = statuses.map((s, i) => fixed(`A523-08-C${i}`, 'MFAEnforced', s));
    const [family] = evaluateService(anInput(), catalog).families;
    expect(family?.status).toBe(expected);
  });

  it('takes the reason of the first control at the worst status and one sentence per such control', () => {
    const catalog = [
      fixed('A523-08-A', 'MFAEnforced', 'Unknown'),
      fixed('A523-08-B', 'MFAEnforced', 'False'),
      fixed('A523-08-C', 'MFAEnforced', 'False'),
    ];
    expect(evaluateService(anInput(), catalog).families[0]).toEqual({
      type: 'MFAEnforced',
      status: 'False',
      reason: 'A523-08-B-reason',
      message: 'A523-08-B says False. A523-08-C says False.',
    });
  });

  it('uses the shared reason when all controls of a True family agree, else AllControlsPass', () => {
    const same = [
      fixed('A523-07-A', 'ExitPlanReady', 'True', { reason: 'NotRequired' }),
      fixed('A523-07-B', 'ExitPlanReady', 'True', { reason: 'NotRequired' }),
    ];
    expect(evaluateService(anInput(), same).families[0]?.reason).toBe('NotRequired');
    const mixed = [fixed('A523-07-A', 'ExitPlanReady', 'True'), fixed('A523-07-B', 'ExitPlanReady', 'True')];
    expect(evaluateService(anInput(), mixed).families[0]?.reason).toBe('AllControlsPass');
  });

  it('bounds the family message', () => {
    const long = 'x'.repeat(2000);
    const catalog = Array.from({ length: 10 }, (_, i) =>
      fixed(`A523-05-L${i}`, 'DataResidency', 'False', { message: `${i}${long}` }),
    );
    const message = evaluateService(anInput(), catalog).families[0]?.message ?? '';
    expect(message.length).toBeLessThanOrEqual(1000);
    expect(message.endsWith('…')).toBe(true);
  });

  it('turns a control that throws into Unknown ControlError without affecting the others', () => {
    const broken: Control = {
      ...fixed('A523-04-BROKEN', 'EncryptionAtRest', 'True'),
      evaluate: () => {
        throw new Error('boom');
      },
    };
    const catalog = [broken, fixed('A523-09-OK', 'AuditLogging', 'True')];
    const evaluation = evaluateService(anInput(), catalog);
    expect(evaluation.families).toEqual([
      {
        type: 'EncryptionAtRest',
        status: 'Unknown',
        reason: 'ControlError',
        message: 'Control A523-04-BROKEN could not be evaluated: boom.',
      },
      { type: 'AuditLogging', status: 'True', reason: 'A523-09-OK-reason', message: 'A523-09-OK says True.' },
    ]);
    expect(evaluation.compliant.reason).toBe('ControlsUnknown');
  });

  it('emits findings only for False controls; a False control without findings gets one from its message', () => {
    const catalog = [
      fixed('A523-06-U', 'AssuranceCurrent', 'Unknown', { findings: [{ message: 'not a finding' }] }),
      fixed('A523-06-F', 'AssuranceCurrent', 'False', { findings: [] }),
    ];
    const evaluation = evaluateService(anInput(), catalog);
    expect(evaluation.findings).toEqual([
      {
        control: 'A523-06-F',
        condition: 'AssuranceCurrent',
        severity: 'high',
        message: 'A523-06-F says False',
        remediation: 'Fix A523-06-F',
      },
    ]);
  });

  it('exempt Unknown families do not hold Compliant at Unknown', () => {
    const catalog = [fixed('A523-10-U', 'ChangesTracked', 'Unknown'), fixed('A523-09-T', 'AuditLogging', 'True')];
    const evaluation = evaluateService(anInput({ policy: aPolicy({ exemptConditions: ['ChangesTracked'] }) }), catalog);
    expect(evaluation.compliant.status).toBe('True');
  });

  it('ignores changesAt in the past for the requeue', () => {
    const catalog = [
      fixed('A523-02-P', 'ContractReviewed', 'True', { changesAt: new Date(NOW.getTime() - 1) }),
      fixed('A523-02-F', 'ContractReviewed', 'True', { changesAt: new Date(NOW.getTime() + 5000) }),
    ];
    expect(evaluateService(anInput(), catalog).requeueAt).toEqual(new Date(NOW.getTime() + 5000));
    expect(evaluateService(anInput(), [catalog[0] as Control]).requeueAt).toBeUndefined();
  });
});

describe('floorRatio', () => {
  it.each([
    [1, 1],
    [0.995, 0.99],
    [0.29, 0.29],
    [0.5, 0.5],
    [0, 0],
  ])('%p → %p', (value, expected) => {
    expect(floorRatio(value)).toBe(expected);
  });
});

describe('evaluation with the change controls', () => {
  it('publishes ChangesTracked once the controls are in the catalog it evaluates', () => {
    const catalog = CATALOG; // the change controls are part of it
    const spec = specWith();
    const clean = evaluateService({ ...anInput({ spec }), changes: [record({ principal: DEPLOY_ROLE })] }, catalog);
    expect(clean.families.find((f) => f.type === 'ChangesTracked')).toMatchObject({ status: 'True' });
    const dirty = evaluateService({ ...anInput({ spec }), changes: [record()] }, catalog);
    expect(dirty.families.find((f) => f.type === 'ChangesTracked')).toMatchObject({ status: 'False', reason: 'OutOfBandChanges' });
    expect(dirty.findings.map((f) => f.control)).toEqual(['A523-10-NETWORK-CHANGES-TRACKED']);
    expect(dirty.compliant.status).toBe('False');
  });
});
