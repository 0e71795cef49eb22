// Can one principal write or delete anything, and does it need MFA for that? Local and
// exact where the data allows:
// 1. the write candidates: every action an identity Allow covers (wildcards expanded,
//    NotAction inverted, `*` and `service:*` matched explicitly) whose AWS access level
//    is not List / Read (action-levels.ts), minus the reviewed exceptions;
// 2. candidates every unconditional Deny removes, or that a permissions boundary or an
//    SCP level does not allow, are dropped without simulating;
// 3. the rest fall into classes of actions that the same statements cover (and, where
//    a statement is resource-scoped or uses action-specific condition keys, with the
//    same resource types / keys): one simulation per class decides all its actions;
// 4. without MFA first (a console session without MFA; a long-term access key, which
//    carries no MFA key at all), then with MFA. The first allowed class decides.

import { ActionCatalog, type ActionInfo } from './action-levels.js';
import type { ExpandedPolicy, ExpandedStatement } from './policy-statements.js';
import { statementCovers } from './policy-statements.js';
import { simulate, type MfaContext, type SimulationOutcome } from './privilege-simulation.js';
import { isMislabelledRead, MFA_ENROLMENT_ACTIONS, OTHER_USER_NAME, SELF_SERVICE_ACTIONS } from './read-only-exceptions.js';

/** Simulations per principal at most; past it the decision is "can write" (conservative) and says so. */
export const MAX_SIMULATIONS_PER_PRINCIPAL = 400;

/** Actions an auditor recognises, tried first so the evidence names one of them. */
const PREFERRED = [
  'iam:createuser',
  'iam:attachuserpolicy',
  's3:putobject',
  's3:deleteobject',
  'ec2:runinstances',
  'ec2:terminateinstances',
  'dynamodb:putitem',
  'lambda:updatefunctioncode',
  'rds:deletedbinstance',
];
const rank = (a: string): number => {
  const i = PREFERRED.indexOf(a);
  return i < 0 ? PREFERRED.length : i;
};

export interface EvaluatedPolicy {
  /** Unique name given to the simulator. */
  key: string;
  /** What the evidence calls it (`AmazonS3FullAccess`, `inline policy p of group ops`). */
  label: string;
  expanded: ExpandedPolicy;
  /** One of AWS's read-only job-function policies (read-only-exceptions.ts). */
  jobFunction: boolean;
}

export interface PrincipalInput {
  arn: string;
  userName: string;
  userId?: string;
  accountId: string;
  partition: string;
  identity: EvaluatedPolicy[];
  boundary?: EvaluatedPolicy;
  /** SCP levels, root first, the account last (empty: none apply or not readable). */
  scpLevels: { id: string; policies: EvaluatedPolicy[] }[];
  /** Has an active access key (requests then carry no MFA key at all). */
  hasAccessKey: boolean;
}

export interface Evaluation {
  write: 'yes' | 'with-mfa' | 'no';
  /** The policy and action that grant write (`AmazonS3FullAccess allows s3:PutObject`). */
  grant?: string;
  action?: ActionInfo;
  /** Context keys the grant depends on (e.g. aws:RequestedRegion). */
  conditionKeys: string[];
  /** Who denies the write without MFA (with-mfa), or who denied the candidates (no). */
  deniedBy: string[];
  /** Writes allowed by identity policies before guardrails (0: only reads are granted). */
  candidates: number;
  /** Writes counted as reads by the reviewed exceptions. */
  reviewedReads: string[];
  /** Set when the evaluation is conservative rather than exact. */
  conservative?: string;
}

type Kind = 'identity' | 'boundary' | number; // number: SCP level index
interface Tagged {
  id: number;
  kind: Kind;
  policy: EvaluatedPolicy;
  st: ExpandedStatement;
}

interface ActionClass {
  members: ActionInfo[];
  matched: Tagged[];
  /** Mislabelled read: job-function policies do not count for it. */
  reviewedRead: boolean;
  /** Self-service credential action: simulated against another user. */
  selfService: boolean;
}

function tagAll(p: PrincipalInput): Tagged[] {
  const out: Tagged[] = [];
  const add = (kind: Kind, policy: EvaluatedPolicy) => {
    for (const st of policy.expanded.statements) out.push({ id: out.length, kind, policy, st });
  };
  for (const pol of p.identity) add('identity', pol);
  if (p.boundary) add('boundary', p.boundary);
  p.scpLevels.forEach((level, i) => level.policies.forEach((pol) => add(i, pol)));
  return out;
}

function candidateNames(catalog: ActionCatalog, allows: Tagged[]): Iterable<string> {
  if (allows.some((t) => t.st.set.universal || t.st.not)) return catalog.allWrites();
  const names = new Set<string>();
  for (const t of allows) {
    for (const s of t.st.set.services) for (const a of catalog.writesOf(s)) names.add(a);
    for (const a of t.st.set.actions) if (catalog.info(a)?.writes) names.add(a);
  }
  return names;
}

/** Step 1-3: the classes of write actions left to simulate, best-known action first. */
function classify(
  p: PrincipalInput,
  catalog: ActionCatalog,
  tagged: Tagged[],
): { classes: ActionClass[]; candidates: number; reviewedReads: Set<string>; removedBy: Set<string> } {
  const allows = tagged.filter((t) => t.kind === 'identity' && t.st.effect === 'Allow');
  const byKey = new Map<string, ActionClass>();
  const reviewedReads = new Set<string>();
  /** Who removed candidates without a simulation (unconditional Deny, boundary, SCP level). */
  const removedBy = new Set<string>();
  let candidates = 0;
  for (const name of candidateNames(catalog, allows)) {
    const info = catalog.info(name);
    if (!info) continue;
    const matched = tagged.filter((t) => statementCovers(t.st, name, info.service));
    const grants = matched.filter((t) => t.kind === 'identity' && t.st.effect === 'Allow');
    if (grants.length === 0) continue;
    candidates++;
    if (MFA_ENROLMENT_ACTIONS[name] !== undefined) continue;
    const reviewedRead = isMislabelledRead(name);
    if (reviewedRead && grants.every((t) => t.policy.jobFunction)) {
      reviewedReads.add(info.name);
      continue;
    }
    const hardDeny = matched.find((t) => t.st.effect === 'Deny' && !t.st.conditional && !t.st.scoped);
    if (hardDeny) {
      removedBy.add(hardDeny.policy.label);
      continue;
    }
    if (p.boundary && !matched.some((t) => t.kind === 'boundary' && t.st.effect === 'Allow')) {
      removedBy.add(p.boundary.label);
      continue;
    }
    const level = p.scpLevels.findIndex((_, i) => !matched.some((t) => t.kind === i && t.st.effect === 'Allow'));
    if (level >= 0) {
      removedBy.add(`the SCPs of ${p.scpLevels[level]?.id}`);
      continue;
    }
    const selfService = SELF_SERVICE_ACTIONS[name] !== undefined;
    const scoped = matched.some((t) => t.st.scoped);
    const keyed = matched.some((t) => t.st.actionSpecificCondition);
    const key = [
      matched.map((t) => t.id).join(','),
      reviewedRead ? 'ro' : '',
      selfService ? `self:${name}` : '',
      scoped ? `r:${info.service}:${info.resourceTypes.join(',')}` : '',
      keyed ? `c:${info.conditionKeys.join(',')}` : '',
    ].join('|');
    const cls = byKey.get(key);
    if (cls) cls.members.push(info);
    else byKey.set(key, { members: [info], matched, reviewedRead, selfService });
  }
  const classes = [...byKey.values()];
  for (const c of classes) c.members.sort((a, b) => rank(a.name.toLowerCase()) - rank(b.name.toLowerCase()) || a.name.localeCompare(b.name));
  const first = (c: ActionClass) => c.members[0] as ActionInfo;
  classes.sort((a, b) => rank(first(a).name.toLowerCase()) - rank(first(b).name.toLowerCase()) || first(a).name.localeCompare(first(b).name));
  return { classes, candidates, reviewedReads, removedBy };
}

/** The simulation of one class's representative: only the policies with a statement covering it. */
function run(p: PrincipalInput, cls: ActionClass, mfa: MfaContext): Promise<SimulationOutcome> {
  const action = cls.members[0] as ActionInfo;
  const used = (kind: Kind) => [...new Set(cls.matched.filter((t) => t.kind === kind).map((t) => t.policy))];
  const identity = used('identity').filter((pol) => !(cls.reviewedRead && pol.jobFunction));
  return simulate({
    principalArn: p.arn,
    userName: p.userName,
    ...(p.userId ? { userId: p.userId } : {}),
    accountId: p.accountId,
    action: action.name,
    resource: cls.selfService ? `arn:${p.partition}:iam::${p.accountId}:user/${OTHER_USER_NAME}` : '*',
    mfa,
    identity: identity.map((pol) => ({ name: pol.key, policy: pol.expanded.document })),
    ...(p.boundary ? { boundary: { name: p.boundary.key, policy: p.boundary.expanded.document } } : {}),
    scps: p.scpLevels.map((level, i) => ({
      orgIdentifier: level.id,
      policies: used(i).map((pol) => ({ name: pol.key, policy: pol.expanded.document })),
    })),
  });
}

export async function evaluatePrincipal(p: PrincipalInput): Promise<Evaluation> {
  const catalog = await ActionCatalog.load();
  const tagged = tagAll(p);
  const { classes, candidates, reviewedReads, removedBy } = classify(p, catalog, tagged);
  const base = { candidates, reviewedReads: [...reviewedReads].sort(), conditionKeys: [] as string[], deniedBy: [] as string[] };
  const labels = new Map<string, string>();
  for (const t of tagged) labels.set(t.policy.key, t.policy.label);
  const labelOf = (key: string) => labels.get(key) ?? key;
  const withoutMfa: MfaContext[] = p.hasAccessKey ? ['false', 'absent'] : ['false'];
  let budget = MAX_SIMULATIONS_PER_PRINCIPAL;
  const deniedBy = new Set<string>(removedBy);
  const found = (write: 'yes' | 'with-mfa', cls: ActionClass, o: SimulationOutcome, extra: Partial<Evaluation> = {}): Evaluation => {
    const action = cls.members[0] as ActionInfo;
    const granter = o.grantedBy[0] ?? cls.matched.find((t) => t.kind === 'identity' && t.st.effect === 'Allow')?.policy.key ?? '?';
    return { ...base, write, grant: `${labelOf(granter)} allows ${action.name}`, action, conditionKeys: o.conditionKeys, ...extra };
  };
  const bounded = (cls: ActionClass): Evaluation => ({
    ...found('yes', cls, { allowed: true, grantedBy: [], deniedBy: [], conditionKeys: [] }),
    conservative: `more than ${MAX_SIMULATIONS_PER_PRINCIPAL} distinct cases to simulate: counted as able to write without checking the rest`,
  });
  const refused = (cls: ActionClass, o: SimulationOutcome): Evaluation => ({
    ...found('yes', cls, o),
    conservative: `the policies could not be evaluated (${o.error ?? 'invalid input'}): counted as able to write`,
  });

  for (const cls of classes) {
    for (const mfa of withoutMfa) {
      if (budget-- <= 0) return bounded(cls);
      const o = await run(p, cls, mfa);
      if (o.error) return refused(cls, o);
      if (o.allowed) return found('yes', cls, o);
      o.deniedBy.forEach((d) => deniedBy.add(labelOf(d)));
    }
  }
  for (const cls of classes) {
    if (budget-- <= 0) return bounded(cls);
    const o = await run(p, cls, 'true');
    if (o.allowed) {
      const gate = await run(p, cls, 'false');
      return found('with-mfa', cls, o, { deniedBy: gate.deniedBy.length > 0 ? gate.deniedBy.map(labelOf) : ['an Allow that requires aws:MultiFactorAuthPresent'] });
    }
  }
  return { ...base, write: 'no', deniedBy: [...deniedBy].sort() };
}
