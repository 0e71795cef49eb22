// One local policy evaluation with @cloud-copilot/iam-simulate: may this user perform
// this action (on any resource, or on another user's), with or without MFA? Discovery
// mode: context keys the operator cannot know (source IP, requested region, tags) are
// assumed satisfiable and reported as conditions, so a conditional write still counts;
// the MFA key and the principal's own identity are authoritative. No AWS call.

import { runSimulation, type RequestAnalysis, type Simulation, type SimulationOrgPolicies } from '@cloud-copilot/iam-simulate';

/** How a request carries MFA: console / session with MFA, without, or a long-term access key (no key at all). */
export type MfaContext = 'true' | 'false' | 'absent';

export interface SimulationInput {
  principalArn: string;
  userName: string;
  userId?: string;
  accountId: string;
  action: string;
  /** `*` (any resource of the policies) or one ARN. */
  resource: string;
  mfa: MfaContext;
  identity: { name: string; policy: unknown }[];
  boundary?: { name: string; policy: unknown };
  scps: SimulationOrgPolicies[];
}

export interface SimulationOutcome {
  allowed: boolean;
  /** Policy names whose Allow statements granted it (identity policies). */
  grantedBy: string[];
  /** Policy names whose Deny statements refused it (`permissions boundary` / `SCP` when a guardrail only lacked an Allow). */
  deniedBy: string[];
  /** Context keys the grant depends on (Discovery conditions), e.g. aws:RequestedRegion. */
  conditionKeys: string[];
  /** Set when the simulator refused the input (invalid policy, unknown action). */
  error?: string;
}

const KNOWN_KEYS = ['aws:MultiFactorAuthPresent', 'aws:username', 'aws:userid', 'aws:PrincipalArn', 'aws:PrincipalAccount', 'aws:PrincipalType'];
const CONSTRAINTS = KNOWN_KEYS.map((keyName) => ({ keyName, presenceIsKnown: true as const, valueIsKnown: true as const }));

function leafKeys(c: unknown, out: Set<string>): void {
  if (!c || typeof c !== 'object') return;
  const x = c as { conditionType?: string; key?: string; conditions?: unknown[] };
  if (x.conditionType === 'condition' && x.key) out.add(x.key);
  for (const sub of x.conditions ?? []) leafKeys(sub, out);
}

function summarise(analyses: RequestAnalysis[]): Omit<SimulationOutcome, 'allowed'> {
  const grantedBy = new Set<string>();
  const deniedBy = new Set<string>();
  const keys = new Set<string>();
  for (const a of analyses) {
    if (a.result === 'Allowed') {
      for (const s of a.identityAnalysis?.allowStatements ?? []) grantedBy.add(s.policyId);
      leafKeys(a.conditions, keys);
    }
    for (const s of a.identityAnalysis?.denyStatements ?? []) deniedBy.add(s.policyId);
    for (const s of a.permissionBoundaryAnalysis?.denyStatements ?? []) deniedBy.add(s.policyId);
    for (const ou of a.scpAnalysis?.ouAnalysis ?? []) for (const s of ou.denyStatements) deniedBy.add(s.policyId);
    for (const b of a.blockedBy ?? []) if (b === 'pb' || b === 'scp') deniedBy.add(b === 'pb' ? 'permissions boundary' : 'SCP');
  }
  return { grantedBy: [...grantedBy], deniedBy: [...deniedBy], conditionKeys: [...keys].sort() };
}

export async function simulate(input: SimulationInput): Promise<SimulationOutcome> {
  const context: Record<string, string> = {
    'aws:username': input.userName,
    'aws:PrincipalArn': input.principalArn,
    'aws:PrincipalAccount': input.accountId,
    'aws:PrincipalType': 'User',
  };
  if (input.userId) context['aws:userid'] = input.userId;
  if (input.mfa !== 'absent') context['aws:MultiFactorAuthPresent'] = input.mfa;
  const simulation: Simulation = {
    request: {
      principal: input.principalArn,
      action: input.action,
      resource: { resource: input.resource, accountId: input.accountId },
      contextVariables: context,
    },
    identityPolicies: input.identity,
    serviceControlPolicies: input.scps,
    resourceControlPolicies: [],
    ...(input.boundary ? { permissionBoundaryPolicies: [input.boundary] } : {}),
  };
  const r = await runSimulation(simulation, { simulationMode: 'Discovery', discoveryContextKeyConstraints: CONSTRAINTS });
  if (r.resultType === 'error') {
    return { allowed: false, grantedBy: [], deniedBy: [], conditionKeys: [], error: r.errors.message };
  }
  const analyses = r.resultType === 'single' ? [r.result.analysis] : r.results.map((x) => x.analysis);
  return { allowed: r.overallResult === 'Allowed', ...summarise(analyses) };
}
