// The gate's region rules: allowed-region (each regional resource's region, resolved the
// way @pulumi/aws and azure-native resolve it, is in the allowed list) and
// region-declared (one violation per provider whose region is left to the environment).

import { normalizeRegion } from '../controls/regions.js';
import { type GateContext, note, providerOf, violation } from './gate-context.js';
import type { CapturedResource } from './gate-types.js';
import {
  AWS_PROVIDER_TYPE,
  AZURE_DISK_TYPE,
  AZURE_PROVIDER_TYPE,
  AZURE_RESOURCE_GROUP_TYPE,
  AZURE_STORAGE_ACCOUNT_TYPE,
  AZURE_VM_TYPE,
  type Cloud,
  asString,
  isRegionalType,
} from './resource-types.js';

/** Azure types that must resolve a location even when the program sets none. */
const AZURE_LOCATED_TYPES: readonly string[] = [AZURE_RESOURCE_GROUP_TYPE, AZURE_STORAGE_ACCOUNT_TYPE, AZURE_DISK_TYPE, AZURE_VM_TYPE];

interface RegionFact {
  region?: string;
  /** Where it came from, for messages. */
  from: string;
  /** Provider key for region-declared grouping ("default aws provider", 'aws provider "eu"'). */
  provider: string;
  /** The explicit provider resource, when not the default provider. */
  providerResource?: CapturedResource;
}

function awsRegion(ctx: GateContext, r: CapturedResource): RegionFact {
  const own = asString(r.inputs.region);
  const provider = providerOf(ctx, r);
  const providerKey = provider ? `aws provider "${provider.name}"` : 'default aws provider';
  if (own) return { region: own, from: 'its region input', provider: providerKey };
  if (provider) {
    const region = asString(provider.inputs.region);
    return region
      ? { region, from: `provider "${provider.name}"`, provider: providerKey }
      : { from: '', provider: providerKey, providerResource: provider };
  }
  const region = asString(ctx.program.config['aws:region']);
  return region ? { region, from: 'aws:region', provider: providerKey } : { from: '', provider: providerKey };
}

function azureProviderLocation(ctx: GateContext, r: CapturedResource): RegionFact {
  const provider = providerOf(ctx, r);
  const providerKey = provider ? `azure-native provider "${provider.name}"` : 'default azure-native provider';
  if (provider) {
    const location = asString(provider.inputs.location);
    return location
      ? { region: location, from: `provider "${provider.name}"`, provider: providerKey }
      : { from: '', provider: providerKey, providerResource: provider };
  }
  const location = asString(ctx.program.config['azure-native:location']);
  return location ? { region: location, from: 'azure-native:location', provider: providerKey } : { from: '', provider: providerKey };
}

/**
 * Azure location as azure-native resolves it (pulumi-azure-native#66): the resource's own
 * `location`; for a resource group, else the provider's location (azure-native:location);
 * for other resources, else their resource group's location. Resources without a
 * `location` input that are not data stores / compute (child resources) are not checked.
 */
function azureLocation(ctx: GateContext, r: CapturedResource): RegionFact | 'external-group' | undefined {
  const own = asString(r.inputs.location);
  const providerFact = azureProviderLocation(ctx, r);
  if (own) return { region: own, from: 'its location', provider: providerFact.provider };
  if (r.type === AZURE_RESOURCE_GROUP_TYPE) return providerFact;
  if (!AZURE_LOCATED_TYPES.includes(r.type)) return undefined;
  const groupName = asString(r.inputs.resourceGroupName);
  const group = groupName ? ctx.resourceGroups.get(groupName) : undefined;
  if (!group) return 'external-group';
  const groupFact = azureLocation(ctx, group);
  if (groupFact === undefined || groupFact === 'external-group') return 'external-group';
  return groupFact.region === undefined ? groupFact : { ...groupFact, from: `resource group "${group.name}"` };
}

export function checkRegion(ctx: GateContext, r: CapturedResource, cloud: Cloud): void {
  if (!isRegionalType(r.type)) return;
  const fact = cloud === 'aws' ? awsRegion(ctx, r) : azureLocation(ctx, r);
  if (fact === undefined) return;
  ctx.checked.add(r.urn);
  if (fact === 'external-group') {
    note(ctx, r, 'allowed-region', 'no location: takes the location of a resource group this program does not declare (not checked)');
    return;
  }
  if (fact.region === undefined) {
    const group = ctx.regionless.get(fact.provider) ?? {
      provider: fact.provider,
      cloud,
      resources: [],
      ...(fact.providerResource ? { providerResource: fact.providerResource } : {}),
    };
    group.resources.push(r);
    ctx.regionless.set(fact.provider, group);
    return;
  }
  if (normalizeRegion(fact.region) === 'global') return;
  if (!ctx.allowed.has(normalizeRegion(fact.region))) {
    violation(ctx, r, 'allowed-region', `in ${fact.region} (from ${fact.from}), outside the allowed regions ${ctx.options.allowedRegions.join(', ')}`);
  }
}

export function regionDeclaredViolations(ctx: GateContext): void {
  for (const group of ctx.regionless.values()) {
    const names = group.resources.map((r) => `"${r.name}"`);
    const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
    const setting = group.cloud === 'aws' ? 'aws:region' : 'azure-native:location';
    const type = group.cloud === 'aws' ? AWS_PROVIDER_TYPE : AZURE_PROVIDER_TYPE;
    const where = group.providerResource ? 'no region on the provider' : `no ${setting} in the stack config`;
    ctx.violations.push({
      rule: 'region-declared',
      resource: group.providerResource?.urn ?? `urn:pulumi:${ctx.program.stack}::${ctx.program.project}::${type}::default`,
      type,
      name: group.providerResource?.name ?? 'default',
      message: `${group.provider} has ${where}: the deployment region of ${shown} depends on the environment`,
    });
  }
}
