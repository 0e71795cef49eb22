// Azure collector plumbing: error classification, operation labels, Retry-After,
// report pacing, token sharing, endpoint and authority resolution.

import { armOperation, entraOperation } from '../../operator/src/providers/azure/calls.js';
import { defaultScope, resolveEndpoint } from '../../operator/src/providers/azure/clients.js';
import { instanceDiscoveryDisabled, resolveAuthorityHost, SharedTokenCredential } from '../../operator/src/providers/azure/credentials.js';
import { classifyAzureError, GraphError, redactAzure } from '../../operator/src/providers/azure/errors.js';
import { retryAfterMs, SlidingWindowGate } from '../../operator/src/providers/azure/graph.js';

describe('classifyAzureError', () => {
  const restError = (statusCode: number, code: string, message = 'm') => Object.assign(new Error(message), { name: 'RestError', statusCode, code });

  it.each([
    [restError(403, 'AuthorizationFailed'), 'AccessDenied'],
    [restError(429, 'SubscriptionRequestsThrottled'), 'Throttled'],
    [restError(404, 'SubscriptionNotFound'), 'AccountNotFound'],
    [restError(401, 'InvalidAuthenticationToken'), 'CredentialsInvalid'],
    [restError(404, 'ResourceNotFound'), 'NotFound'],
    [restError(503, 'ServiceUnavailable'), 'AccountUnreachable'],
    [restError(500, 'InternalServerError'), 'CollectionError'],
    [new GraphError(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', 'no SKU'), 'LicenseRequired'],
    [new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges'), 'AccessDenied'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { name: 'RestError', code: 'REQUEST_SEND_ERROR' }), 'AccountUnreachable'],
    [Object.assign(new Error('aborted'), { name: 'AbortError' }), 'Aborted'],
  ])('%s -> %s', (err, reason) => {
    expect(classifyAzureError(err).reason).toBe(reason);
  });

  it('reads token errors as MSAL surfaces them through @azure/identity', () => {
    const e = Object.assign(
      new Error(
        'invalid_client: Error(s): 7000215 - Timestamp: 2026-11-23 - Description: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent. Trace ID: abc',
      ),
      { name: 'AuthenticationRequiredError' },
    );
    expect(classifyAzureError(e)).toEqual({ reason: 'CredentialsInvalid', code: 'invalid_client', message: 'invalid_client: AADSTS7000215: Invalid client secret provided.' });
    const unreachable = Object.assign(new Error('endpoints_resolution_error: See https://aka.ms/msal.js.errors'), { name: 'CredentialUnavailableError' });
    expect(classifyAzureError(unreachable).reason).toBe('AccountUnreachable');
  });

  it('tells a chain with nothing available (CredentialsMissing) from one that failed', () => {
    const unavailable = (m: string) => Object.assign(new Error(m), { name: 'CredentialUnavailableError' });
    const chain = (errors: Error[]) => Object.assign(new Error('ChainedTokenCredential authentication failed.'), { name: 'AggregateAuthenticationError', errors });
    expect(classifyAzureError(chain([unavailable('EnvironmentCredential is unavailable'), unavailable('ManagedIdentityCredential: Network unreachable. Message: network_error')])).reason).toBe(
      'CredentialsMissing',
    );
    const failed = Object.assign(new Error('unauthorized_client: Description: AADSTS700016: Application not found.'), { name: 'AuthenticationRequiredError' });
    expect(classifyAzureError(chain([unavailable('EnvironmentCredential is unavailable'), failed])).reason).toBe('CredentialsInvalid');
  });

  it('never returns a secret, token or assertion', () => {
    const secret = 'Sup3r-Secret~Value.123';
    const text = `secret ${secret} Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig client_assertion=abc&x=1 ?sv=1&sig=SIGNATURE`;
    const out = redactAzure(text, [secret]);
    expect(out).not.toContain(secret);
    expect(out).not.toContain('eyJ');
    expect(out).not.toContain('client_assertion=abc');
    expect(out).not.toContain('SIGNATURE');
  });
});

describe('operation labels', () => {
  it('names ARM and Entra calls from their URL, nextLink pages included', () => {
    const s = 'https://management.azure.com/subscriptions/x';
    expect(armOperation(`${s}/resources?api-version=2025-04-01&%24skiptoken=abc`)).toBe('ARM:resources.list');
    expect(armOperation(`${s}/providers/Microsoft.Storage/storageAccounts?api-version=1`)).toBe('ARM:storageAccounts.list');
    expect(armOperation(`${s}/providers/Microsoft.Compute/snapshots`)).toBe('ARM:snapshots.list');
    expect(armOperation(`${s}/providers/Microsoft.Insights/diagnosticSettings`)).toBe('ARM:subscriptionDiagnosticSettings.list');
    expect(armOperation('https://management.azure.com/providers/Microsoft.Authorization/policySetDefinitions/abc')).toBe('ARM:policySetDefinitions.get');
    expect(armOperation(`${s}/something/else`)).toBe('ARM:other');
    expect(entraOperation('https://login.microsoftonline.com/t/oauth2/v2.0/token')).toBe('EntraID:token');
  });
});

describe('retry and pacing', () => {
  it('parses Retry-After seconds and dates', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('lets `max` calls through per window and then waits for the oldest to leave it', async () => {
    let now = 0;
    const gate = new SlidingWindowGate(2, 100, () => now);
    const signal = new AbortController().signal;
    await gate.acquire('t', signal);
    await gate.acquire('t', signal);
    await gate.acquire('other-tenant', signal);
    let third = false;
    const p = gate.acquire('t', signal).then(() => (third = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBe(false);
    now = 150;
    await p;
    expect(third).toBe(true);
  });
});

describe('SharedTokenCredential', () => {
  it('joins concurrent requests and reuses a token until shortly before it expires', async () => {
    let now = 1_000_000;
    let calls = 0;
    const inner = {
      getToken: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 10));
        return { token: `t${calls}`, expiresOnTimestamp: now + 3_600_000 };
      },
    };
    const shared = new SharedTokenCredential(inner, () => now);
    const tokens = await Promise.all([shared.getToken('s/.default'), shared.getToken('s/.default', { enableCae: true }), shared.getToken('s/.default')]);
    expect(tokens.map((t) => t?.token)).toEqual(['t1', 't1', 't1']);
    expect(calls).toBe(1);
    await shared.getToken('other/.default');
    expect(calls).toBe(2);
    now += 3_600_000 - 60_000; // inside the refresh margin
    expect((await shared.getToken('s/.default'))?.token).toBe('t1'); // still valid: served while refreshing
    await new Promise((r) => setTimeout(r, 20));
    expect((await shared.getToken('s/.default'))?.token).toBe('t3');
    // a claims challenge always goes to the credential
    await shared.getToken('s/.default', { claims: '{"access_token":{}}' });
    expect(calls).toBe(4);
  });
});

describe('endpoints and authority', () => {
  it('prefers the explicit value, then the environment, then the public cloud; https only', () => {
    expect(resolveEndpoint(undefined, {}, 'E', 'https://management.azure.com')).toBe('https://management.azure.com');
    expect(resolveEndpoint('', { E: 'https://management.usgovcloudapi.net/' }, 'E', 'x')).toBe('https://management.usgovcloudapi.net');
    expect(resolveEndpoint('https://127.0.0.1:8443/', { E: 'https://other' }, 'E', 'x')).toBe('https://127.0.0.1:8443');
    expect(() => resolveEndpoint('http://127.0.0.1:8080', {}, 'E', 'x')).toThrow(/https/);
    expect(defaultScope('https://management.azure.com/')).toBe('https://management.azure.com/.default');
  });

  it('disables instance discovery only for authorities outside the Microsoft clouds', () => {
    expect(resolveAuthorityHost(undefined, { AZURE_AUTHORITY_HOST: 'https://127.0.0.1:9443/' })).toBe('https://127.0.0.1:9443');
    expect(instanceDiscoveryDisabled('https://127.0.0.1:9443')).toBe(true);
    expect(instanceDiscoveryDisabled('https://login.microsoftonline.us')).toBe(false);
    expect(instanceDiscoveryDisabled(undefined)).toBe(false);
  });
});
