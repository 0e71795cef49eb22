// A local stand-in for Microsoft Entra ID (token endpoint), Azure Resource Manager and
// Microsoft Graph. No emulator exists for them, so this server answers the documented
// REST shapes for fixture tenants / subscriptions (one each): OAuth 2.0 client credentials
// (secret or assertion), OpenID discovery, ARM list operations with `nextLink` paging,
// Graph collections with `@odata.nextLink`, and error bodies as the services write them
// (ARM `{"error":{"code","message"}}`, Graph with `innerError`, OAuth `error` /
// `error_description` / `error_codes`). Faults (429 + Retry-After, 403, 500...) can be
// queued per route. Shadow IT discovery (subscriptions, management groups, service
// principals, delegated grants) is answered by discovery-routes.ts, Customer Lockbox
// (opt-in, requests) by lockbox-routes.ts.
//
// It speaks HTTPS only (the Azure SDK sends bearer tokens over TLS only) with a
// certificate from a test CA generated into `dir`; three listeners on loopback give
// the three services distinct origins, so token audiences are checked as in Azure.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { generateCA, issueServingCert } from '../certs.js';
import { emptyFixture, type AzureFixture, type Json } from './fixture.js';
import { answerDiscovery, discoveryArmRoute, discoveryGraphRoute, type DiscoveryRoute } from './discovery-routes.js';
import { directoryObjectsByIds, transitiveMembers } from './graph-objects.js';
import { answerLockbox, lockboxArmRoute, type LockboxRoute } from './lockbox-routes.js';

export type MockService = 'login' | 'arm' | 'graph';

/** Route names, for faults and request counts. */
export type MockRoute =
  | 'login.token'
  | 'login.openidConfiguration'
  | 'login.instanceDiscovery'
  | 'arm.resources'
  | 'arm.storageAccounts'
  | 'arm.disks'
  | 'arm.snapshots'
  | 'arm.policyAssignments'
  | 'arm.policySetDefinitions'
  | 'arm.diagnosticSettings'
  | 'arm.activityLogs'
  | 'arm.roleAssignments'
  | 'arm.roleDefinitions'
  | 'arm.roleDefinition'
  | 'graph.userRegistrationDetails'
  | 'graph.roleDefinitions'
  | 'graph.roleAssignments'
  | 'graph.signIns'
  | 'graph.users'
  | 'graph.groupTransitiveMembers'
  | 'graph.directoryObjectsGetByIds'
  | DiscoveryRoute
  | LockboxRoute
  | 'unknown';

export interface Fault {
  status: number;
  headers?: Record<string, string>;
  /** JSON body; default: the service's error shape with `code`. */
  body?: unknown;
  code?: string;
  message?: string;
  /** How many requests it applies to (default 1). */
  times?: number;
}

export interface RecordedRequest {
  service: MockService;
  route: MockRoute;
  method: string;
  path: string;
  query: string;
  status: number;
  /** The JSON body of a POST (getByIds). */
  body?: string;
}

export interface AzureMockOptions {
  /** Directory for the CA and serving certificate. */
  dir: string;
  fixture?: AzureFixture;
  /**
   * Further tenants served beside `fixture` (e.g. the demo's compliant one): each request
   * is answered from the fixture of its tenant (token endpoint: the tenant in the path;
   * Resource Manager: the subscription in the path, which must belong to the token's
   * tenant; Graph: the token's tenant). `setFixture` replaces only `fixture`.
   */
  tenants?: AzureFixture[];
  /** Items per ARM / Graph page (default 100). */
  pageSize?: number;
}

export interface AzureMock {
  /** https://127.0.0.1:port of each service. */
  loginUrl: string;
  armUrl: string;
  graphUrl: string;
  /** PEM of the CA that issued the serving certificate, and its file. */
  caPem: string;
  caPath: string;
  fixture: AzureFixture;
  setFixture(fixture: AzureFixture): void;
  /** Items per page from now on. */
  setPageSize(size: number): void;
  /**
   * Serve these bodies verbatim for a route (contract tests): the first without
   * `$skiptoken`, page k for `$skiptoken=k`. `undefined` goes back to the fixture.
   */
  setPages(route: MockRoute, pages: Json[] | undefined): void;
  /** Queue a fault for the next `times` requests of a route. */
  fault(route: MockRoute, fault: Fault): void;
  requests: RecordedRequest[];
  /** Requests per route (since the last reset). */
  count(route: MockRoute): number;
  reset(): void;
  stop(): Promise<void>;
}

interface IssuedToken {
  tenantId: string;
  clientId: string;
  audience: string;
  expiresAt: number;
}

const GRAPH_COLLECTIONS: Record<string, { route: MockRoute; key: 'users' | 'roleDefinitions' | 'roleAssignments' | 'signIns'; context: string }> = {
  '/v1.0/reports/authenticationmethods/userregistrationdetails': {
    route: 'graph.userRegistrationDetails',
    key: 'users',
    context: 'reports/authenticationMethods/userRegistrationDetails',
  },
  '/v1.0/rolemanagement/directory/roledefinitions': { route: 'graph.roleDefinitions', key: 'roleDefinitions', context: 'roleManagement/directory/roleDefinitions' },
  '/v1.0/rolemanagement/directory/roleassignments': { route: 'graph.roleAssignments', key: 'roleAssignments', context: 'roleManagement/directory/roleAssignments' },
  '/v1.0/auditlogs/signins': { route: 'graph.signIns', key: 'signIns', context: 'auditLogs/signIns' },
};

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** ARM resources put their facts under `properties`; resources.list shows the envelope only. */
function envelope(r: Json): Json {
  const out: Json = { id: r.id, name: r.name, type: r.type, location: r.location };
  for (const k of ['kind', 'sku', 'tags', 'identity', 'managedBy'] as const) if (r[k] !== undefined) out[k] = r[k];
  return out;
}

export async function startAzureMock(opts: AzureMockOptions): Promise<AzureMock> {
  const ca = await generateCA(opts.dir, { name: 'azure-mock-ca', commonName: 'cloudposture-azure-mock-ca' });
  const serving = await issueServingCert(ca, opts.dir, ['127.0.0.1', 'localhost'], { name: 'azure-mock', commonName: 'azure-mock' });
  const [caPem, cert, key] = await Promise.all([
    readFile(ca.certPath, 'utf8'),
    readFile(serving.certPath, 'utf8'),
    readFile(serving.keyPath, 'utf8'),
  ]);

  let fixture = opts.fixture ?? emptyFixture(
    '00000000-0000-4000-a000-000000000001',
    '00000000-0000-4000-a000-000000000002',
    [{ clientId: '00000000-0000-4000-a000-000000000003', clientSecret: 'dummy-secret' }],
  );
  const otherTenants = opts.tenants ?? [];
  /** The fixture serving a tenant / subscription, if any. */
  const fixtureOfTenant = (tenantId: string): AzureFixture | undefined =>
    [fixture, ...otherTenants].find((f) => f.tenantId.toLowerCase() === tenantId.toLowerCase());
  const fixtureOfSubscription = (subscriptionId: string): AzureFixture | undefined =>
    [fixture, ...otherTenants].find((f) => f.subscriptionId.toLowerCase() === subscriptionId.toLowerCase());
  let pageSize = opts.pageSize ?? 100;
  const faults = new Map<MockRoute, Fault[]>();
  const canned = new Map<MockRoute, Json[]>();
  /** A canned page for the route, if the test set any. */
  const cannedPage = (route: MockRoute, url: URL): Json | undefined => {
    const pages = canned.get(route);
    if (!pages) return undefined;
    return pages[Number(url.searchParams.get('$skiptoken') ?? '0') || 0] ?? { value: [] };
  };
  const tokens = new Map<string, IssuedToken>();
  const requests: RecordedRequest[] = [];
  const postBodies = new WeakMap<IncomingMessage, string>();
  const urls: Record<MockService, string> = { login: '', arm: '', graph: '' };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-ms-request-id': randomBytes(8).toString('hex'),
      ...headers,
    });
    res.end(text);
  };

  const armError = (code: string, message: string): Json => ({ error: { code, message } });
  const graphErrorBody = (code: string, message: string): Json => ({
    error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomBytes(8).toString('hex'), 'client-request-id': randomBytes(8).toString('hex') } },
  });
  const oauthError = (error: string, aadsts: number, description: string): Json => ({
    error,
    error_description: `AADSTS${aadsts}: ${description} Trace ID: ${randomBytes(8).toString('hex')} Correlation ID: ${randomBytes(8).toString('hex')} Timestamp: ${new Date().toISOString()}`,
    error_codes: [aadsts],
    timestamp: new Date().toISOString(),
    trace_id: randomBytes(8).toString('hex'),
    correlation_id: randomBytes(8).toString('hex'),
  });

  /** Pops a queued fault for the route, if any. */
  const takeFault = (route: MockRoute): Fault | undefined => {
    const queue = faults.get(route);
    const f = queue?.[0];
    if (!f) return undefined;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) queue.shift();
    return f;
  };

  const faultBody = (service: MockService, f: Fault): unknown => {
    if (f.body !== undefined) return f.body;
    const code = f.code ?? (f.status === 429 ? 'TooManyRequests' : `HTTP${f.status}`);
    const message = f.message ?? (f.status === 429 ? 'Too many requests. Retry after the period in the Retry-After header.' : 'Injected fault');
    if (service === 'graph') return graphErrorBody(code, message);
    if (service === 'login') return { error: code, error_description: message };
    return armError(code, message);
  };

  /** Bearer token check: issued here, not expired, for this service's audience. */
  const authorize = (
    req: IncomingMessage,
    service: 'arm' | 'graph',
  ): { ok: true; token: IssuedToken; fixture: AzureFixture } | { ok: false; status: number; body: Json } => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const token = m?.[1] ? tokens.get(m[1]) : undefined;
    const fail = (code: string, message: string) =>
      service === 'arm' ? { ok: false as const, status: 401, body: armError(code, message) } : { ok: false as const, status: 401, body: graphErrorBody(code, message) };
    if (!token) return fail('InvalidAuthenticationToken', 'The access token is invalid.');
    if (token.expiresAt < Date.now()) return fail('ExpiredAuthenticationToken', 'The access token expiry has passed.');
    if (token.audience !== urls[service]) {
      return fail('InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${token.audience}'.`);
    }
    const tenantFixture = fixtureOfTenant(token.tenantId);
    if (!tenantFixture) return fail('InvalidAuthenticationTokenTenant', 'The access token is from the wrong issuer.');
    return { ok: true, token, fixture: tenantFixture };
  };

  /** A page of `items` with the service's paging link. */
  const page = (service: 'arm' | 'graph', url: URL, items: unknown[], context?: string): Json => {
    const skip = Math.max(0, Number(url.searchParams.get('$skiptoken') ?? '0') || 0);
    const slice = items.slice(skip, skip + pageSize);
    const more = skip + pageSize < items.length;
    const next = new URL(url.toString());
    next.searchParams.set('$skiptoken', String(skip + pageSize));
    if (service === 'graph') {
      return {
        '@odata.context': `${urls.graph}/v1.0/$metadata#${context ?? ''}`,
        value: slice,
        ...(more ? { '@odata.nextLink': next.toString() } : {}),
      };
    }
    return { value: slice, ...(more ? { nextLink: next.toString() } : {}) };
  };

  // ---------------------------------------------------------------- login

  const handleLogin = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<[MockRoute, number]> => {
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'GET' && url.pathname.endsWith('/discovery/instance')) {
      const body = {
        tenant_discovery_endpoint: `${urls.login}/${fixture.tenantId}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: new URL(urls.login).host, preferred_cache: new URL(urls.login).host, aliases: [new URL(urls.login).host] }],
      };
      send(res, 200, body);
      return ['login.instanceDiscovery', 200];
    }
    const tenant = parts[0] ?? '';
    if (req.method === 'GET' && url.pathname.endsWith('/v2.0/.well-known/openid-configuration')) {
      if (!fixtureOfTenant(tenant) && tenant !== 'organizations' && tenant !== 'common') {
        send(res, 400, oauthError('invalid_tenant', 90002, `Tenant '${tenant}' not found.`));
        return ['login.openidConfiguration', 400];
      }
      const base = `${urls.login}/${tenant}`;
      send(res, 200, {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${urls.login}/${tenant}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${urls.login}/${tenant}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${urls.graph}/oidc/userinfo`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: new URL(urls.graph).host,
        rbac_url: urls.arm,
      });
      return ['login.openidConfiguration', 200];
    }
    if (req.method === 'POST' && url.pathname.endsWith('/oauth2/v2.0/token')) {
      const form = new URLSearchParams(await readBody(req));
      const fault = takeFault('login.token');
      if (fault) {
        send(res, fault.status, faultBody('login', fault), fault.headers);
        return ['login.token', fault.status];
      }
      const tenantFixture = fixtureOfTenant(tenant);
      if (!tenantFixture) {
        send(res, 400, oauthError('invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`));
        return ['login.token', 400];
      }
      if (form.get('grant_type') !== 'client_credentials') {
        send(res, 400, oauthError('unsupported_grant_type', 70003, 'The app requested an unsupported grant type.'));
        return ['login.token', 400];
      }
      const clientId = form.get('client_id') ?? '';
      const app = tenantFixture.apps.find((a) => a.clientId === clientId);
      if (!app) {
        send(res, 400, oauthError('unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory.`));
        return ['login.token', 400];
      }
      const secret = form.get('client_secret');
      const assertion = form.get('client_assertion');
      const viaSecret = secret !== null && app.clientSecret !== undefined && secret === app.clientSecret;
      const viaAssertion = assertion !== null && assertion.length > 0 && app.federated === true;
      if (!viaSecret && !viaAssertion) {
        send(res, 401, oauthError('invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.'));
        return ['login.token', 401];
      }
      const scope = form.get('scope') ?? '';
      const audience = scope.replace(/\/\.default$/, '').replace(/\/+$/, '');
      // JWT-shaped like Entra's (unsigned here): Azurite (Azure Storage) reads aud, iss and lifetime from it.
      const nowSec = Math.floor(Date.now() / 1000);
      const claims = { aud: audience, iss: `https://sts.windows.net/${tenant}/`, tid: tenant, appid: clientId, iat: nowSec, nbf: nowSec - 60, exp: nowSec + 3599, jti: randomBytes(12).toString('hex') };
      const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
      const accessToken = `${b64({ typ: 'JWT', alg: 'RS256' })}.${b64(claims)}.${randomBytes(24).toString('base64url')}`;
      tokens.set(accessToken, { tenantId: tenant, clientId, audience, expiresAt: Date.now() + 3599_000 });
      send(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken });
      return ['login.token', 200];
    }
    send(res, 404, oauthError('invalid_request', 900561, 'The endpoint only accepts POST, OPTIONS requests.'));
    return ['unknown', 404];
  };

  // ---------------------------------------------------------------- resource manager

  const armRoute = (p: string): MockRoute => {
    const l = p.toLowerCase().replace(/\/+$/, '');
    if (/^\/subscriptions\/[^/]+\/resources$/.test(l)) return 'arm.resources';
    if (/^\/subscriptions\/[^/]+\/providers\/microsoft\.storage\/storageaccounts$/.test(l)) return 'arm.storageAccounts';
    if (/^\/subscriptions\/[^/]+\/providers\/microsoft\.compute\/disks$/.test(l)) return 'arm.disks';
    if (/^\/subscriptions\/[^/]+\/providers\/microsoft\.compute\/snapshots$/.test(l)) return 'arm.snapshots';
    if (/^\/subscriptions\/[^/]+\/providers\/microsoft\.authorization\/policyassignments$/.test(l)) return 'arm.policyAssignments';
    if (/\/providers\/microsoft\.authorization\/policysetdefinitions\/[^/]+$/.test(l)) return 'arm.policySetDefinitions';
    if (/^\/subscriptions\/[^/]+\/providers\/microsoft\.insights\/diagnosticsettings$/.test(l)) return 'arm.diagnosticSettings';
    if (/^\/subscriptions\/[^/]+\/providers\/microsoft\.insights\/eventtypes\/management\/values$/.test(l)) return 'arm.activityLogs';
    if (/^\/subscriptions\/[^/]+\/providers\/microsoft\.authorization\/roleassignments$/.test(l)) return 'arm.roleAssignments';
    if (/\/providers\/microsoft\.authorization\/roledefinitions$/.test(l)) return 'arm.roleDefinitions';
    if (/\/providers\/microsoft\.authorization\/roledefinitions\/[^/]+$/.test(l)) return 'arm.roleDefinition';
    return discoveryArmRoute(l) ?? lockboxArmRoute(l) ?? 'unknown';
  };

  const handleArm = (req: IncomingMessage, res: ServerResponse, url: URL): [MockRoute, number] => {
    const route = armRoute(url.pathname);
    const auth = authorize(req, 'arm');
    if (!auth.ok) {
      send(res, auth.status, auth.body, { 'www-authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"' });
      return [route, auth.status];
    }
    if (!url.searchParams.get('api-version')) {
      send(res, 400, armError('MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests."));
      return [route, 400];
    }
    const sub = /^\/subscriptions\/([^/]+)/i.exec(url.pathname)?.[1];
    // The rest of this request reads the subscription's fixture (the token's tenant's when no subscription is named).
    const fixture = sub !== undefined ? fixtureOfSubscription(sub) : auth.fixture;
    if (fixture === undefined || fixture.tenantId.toLowerCase() !== auth.token.tenantId.toLowerCase()) {
      send(res, 404, armError('SubscriptionNotFound', `The subscription '${sub}' could not be found.`));
      return [route, 404];
    }
    const fault = takeFault(route);
    if (fault) {
      send(res, fault.status, faultBody('arm', fault), fault.headers);
      return [route, fault.status];
    }
    const cannedBody = cannedPage(route, url);
    if (cannedBody) {
      send(res, 200, cannedBody);
      return [route, 200];
    }
    switch (route) {
      case 'arm.resources': {
        const all = [...fixture.storageAccounts, ...fixture.disks, ...fixture.snapshots, ...fixture.otherResources].map(envelope);
        send(res, 200, page('arm', url, all));
        return [route, 200];
      }
      case 'arm.storageAccounts':
        send(res, 200, page('arm', url, fixture.storageAccounts));
        return [route, 200];
      case 'arm.disks':
        send(res, 200, page('arm', url, fixture.disks));
        return [route, 200];
      case 'arm.snapshots':
        send(res, 200, page('arm', url, fixture.snapshots));
        return [route, 200];
      case 'arm.policyAssignments': {
        const filter = url.searchParams.get('$filter');
        // atScope(): assignments at the subscription and above (the fixture holds only those)
        const items = filter === null || /^atScope\(\)$/i.test(filter) || /^atExactScope\(\)$/i.test(filter)
          ? fixture.policyAssignments
          : [];
        send(res, 200, page('arm', url, items));
        return [route, 200];
      }
      case 'arm.policySetDefinitions': {
        const found = fixture.policySetDefinitions.find((d) => String(d.id).toLowerCase() === url.pathname.toLowerCase().replace(/\/+$/, ''));
        if (!found) {
          send(res, 404, armError('PolicySetDefinitionNotFound', `The policy set definition '${url.pathname.split('/').pop()}' could not be found.`));
          return [route, 404];
        }
        send(res, 200, found);
        return [route, 200];
      }
      case 'arm.diagnosticSettings':
        send(res, 200, { value: diagnosticSettingsFor(fixture.diagnosticSettings, url.searchParams.get('api-version') ?? '') });
        return [route, 200];
      case 'arm.roleAssignments': {
        const filter = url.searchParams.get('$filter');
        const principal = filter ? /principalId eq '([^']+)'/i.exec(filter)?.[1] : undefined;
        const subscriptionScope = `/subscriptions/${fixture.subscriptionId}`.toLowerCase();
        const items = fixture.rbacAssignments.filter((a) => {
          const props = (a.properties ?? {}) as Json;
          const scope = String(props.scope ?? '').toLowerCase();
          if (principal !== undefined) return String(props.principalId).toLowerCase() === principal.toLowerCase();
          // atScope(): at the subscription and above; no filter: at, above and below
          if (filter !== null && /^atScope\(\)$/i.test(filter)) return !scope.startsWith(`${subscriptionScope}/`);
          return true;
        });
        send(res, 200, page('arm', url, items));
        return [route, 200];
      }
      case 'arm.roleDefinitions':
        send(res, 200, page('arm', url, fixture.rbacDefinitions));
        return [route, 200];
      case 'arm.roleDefinition': {
        const guid = url.pathname.split('/').pop()?.toLowerCase();
        const found = [...fixture.rbacDefinitions, ...fixture.rbacDefinitionsById].find((d) => String(d.name).toLowerCase() === guid);
        if (!found) {
          send(res, 404, armError('RoleDefinitionDoesNotExist', 'The specified role definition with ID \'' + guid + '\' does not exist.'));
          return [route, 404];
        }
        send(res, 200, found);
        return [route, 200];
      }
      case 'arm.activityLogs': {
        const query = activityLogQuery(url.searchParams.get('$filter'));
        if (!query) {
          send(res, 400, armError('BadRequest', "The $filter query parameter is required and must follow the documented patterns, e.g. eventTimestamp ge '...' and eventTimestamp le '...'."));
          return [route, 400];
        }
        const items = fixture.activityLog.filter((e) => {
          const at = Date.parse(String(e.eventTimestamp));
          const provider = String((e.resourceProviderName as Json | undefined)?.value ?? '');
          return at >= query.from && at <= query.to && (query.provider === undefined || provider.toLowerCase() === query.provider.toLowerCase());
        });
        // Newest first, as the service answers.
        items.sort((a, b) => Date.parse(String(b.eventTimestamp)) - Date.parse(String(a.eventTimestamp)));
        send(res, 200, page('arm', url, items));
        return [route, 200];
      }
      case 'arm.lockboxTenantOptedIn':
      case 'arm.lockboxRequests': {
        const answer = answerLockbox(route, fixture, url, auth.token.tenantId);
        send(res, answer.status, answer.body);
        return [route, answer.status];
      }
      case 'arm.subscriptions':
      case 'arm.managementGroupDescendants':
      case 'arm.managementGroup': {
        const answer = answerDiscovery(route, fixture, url, (items) => page('arm', url, items));
        send(res, answer.status, answer.body);
        return [route, answer.status];
      }
      default:
        send(res, 404, armError('InvalidResourceType', `The resource type could not be found in the namespace for api version '${url.searchParams.get('api-version')}'.`));
        return [route, 404];
    }
  };

  // ---------------------------------------------------------------- graph

  const handleGraph = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<[MockRoute, number]> => {
    const path = url.pathname.replace(/\/+$/, '');
    const collection = req.method === 'GET' ? GRAPH_COLLECTIONS[path.toLowerCase()] : undefined;
    const groupId = req.method === 'GET' ? /^\/v1\.0\/groups\/([^/]+)\/transitivemembers$/i.exec(path)?.[1] : undefined;
    const getByIds = req.method === 'POST' && /^\/v1\.0\/directoryobjects\/getbyids$/i.test(path);
    const users = req.method === 'GET' && /^\/v1\.0\/users$/i.test(path);
    const discovery = req.method === 'GET' ? discoveryGraphRoute(path) : undefined;
    const route: MockRoute = discovery ?? (groupId !== undefined
      ? 'graph.groupTransitiveMembers'
      : getByIds
        ? 'graph.directoryObjectsGetByIds'
        : users
          ? 'graph.users'
          : (collection?.route ?? 'unknown'));
    const postBody = getByIds ? await readBody(req) : '';
    if (getByIds) postBodies.set(req, postBody);
    const auth = authorize(req, 'graph');
    if (!auth.ok) {
      send(res, auth.status, auth.body);
      return [route, auth.status];
    }
    // The rest of this request reads the token's tenant.
    const fixture = auth.fixture;
    const fault = takeFault(route);
    if (fault) {
      send(res, fault.status, faultBody('graph', fault), fault.headers);
      return [route, fault.status];
    }
    const cannedBody = cannedPage(route, url);
    if (cannedBody) {
      send(res, 200, cannedBody);
      return [route, 200];
    }
    if (groupId !== undefined) {
      const members = transitiveMembers(fixture, decodeURIComponent(groupId));
      if (!members) {
        send(res, 404, graphErrorBody('Request_ResourceNotFound', `Resource '${groupId}' does not exist or one of its queried reference-property objects are not present.`));
        return [route, 404];
      }
      send(res, 200, page('graph', url, members, 'directoryObjects(id)'));
      return [route, 200];
    }
    if (getByIds) {
      // The full objects, in one answer (no paging); Directory.Read.All in Graph.
      let body: unknown;
      try {
        body = JSON.parse(postBody);
      } catch {
        body = undefined;
      }
      const answer = directoryObjectsByIds(fixture, body);
      if (!answer.ok) {
        send(res, 400, graphErrorBody('Request_BadRequest', answer.message));
        return [route, 400];
      }
      send(res, 200, { '@odata.context': `${urls.graph}/v1.0/$metadata#directoryObjects`, value: answer.value });
      return [route, 200];
    }
    if (users) return usersWithActivity(res, url, fixture);
    if (discovery) {
      const answer = answerDiscovery(discovery, fixture, url, (items, context) => page('graph', url, items, context));
      send(res, answer.status, answer.body);
      return [route, answer.status];
    }
    if (!collection) {
      send(res, 400, graphErrorBody('BadRequest', `Resource not found for the segment '${url.pathname.split('/').pop()}'.`));
      return [route, 400];
    }
    if ((collection.key === 'users' || collection.key === 'signIns') && !fixture.premium) {
      send(res, 403, graphErrorBody('Authentication_RequestFromNonPremiumTenantOrB2CTenant', 'Tenant does not have a SKU required for this operation.'));
      return [route, 403];
    }
    let items = fixture[collection.key];
    if (collection.key === 'signIns') {
      const query = signInQuery(url.searchParams.get('$filter'));
      if (!query) {
        send(res, 400, graphErrorBody('BadRequest', "Invalid filter clause: expected createdDateTime ge <time> and userPrincipalName eq '...' or userId eq '...'."));
        return [route, 400];
      }
      items = items
        .filter((e) => Date.parse(String(e.createdDateTime)) >= query.from && String(e[query.field]).toLowerCase() === query.value.toLowerCase())
        .sort((a, b) => Date.parse(String(b.createdDateTime)) - Date.parse(String(a.createdDateTime)));
    }
    if (collection.key === 'roleAssignments' && !/(^|,)\s*principal\s*(,|$)/i.test(url.searchParams.get('$expand') ?? '')) {
      items = items.map((a) => {
        const { principal: _principal, ...rest } = a;
        return rest;
      });
    }
    send(res, 200, page('graph', url, items, collection.context));
    return [route, 200];
  };

  /**
   * GET /v1.0/users?$select=id,createdDateTime,signInActivity: the fixture's users with
   * `fixture.userActivity` (default: created 400 days ago, signed in successfully 2 days ago).
   * signInActivity needs Entra ID P1/P2, as in Graph.
   */
  const usersWithActivity = (res: ServerResponse, url: URL, fixture: AzureFixture): [MockRoute, number] => {
    const route: MockRoute = 'graph.users';
    if (/signInActivity/i.test(url.searchParams.get('$select') ?? '') && !fixture.premium) {
      send(res, 403, graphErrorBody('Authentication_RequestFromNonPremiumTenantOrB2CTenant', 'Tenant does not have a SKU required for this operation.'));
      return [route, 403];
    }
    const day = 86_400_000;
    const items = fixture.users.map((u) => {
      const id = String(u.id);
      const twoDaysAgo = new Date(Date.now() - 2 * day).toISOString();
      return {
        id,
        createdDateTime: new Date(Date.now() - 400 * day).toISOString(),
        signInActivity: { lastSignInDateTime: twoDaysAgo, lastNonInteractiveSignInDateTime: twoDaysAgo, lastSuccessfulSignInDateTime: twoDaysAgo },
        ...fixture.userActivity?.[id],
      };
    });
    send(res, 200, page('graph', url, items, 'users(id,createdDateTime,signInActivity)'));
    return [route, 200];
  };

  const handler = (service: MockService) => (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', urls[service]);
    const done = ([route, status]: [MockRoute, number]): void => {
      const body = postBodies.get(req);
      requests.push({ service, route, method: req.method ?? 'GET', path: url.pathname, query: url.search, status, ...(body !== undefined ? { body } : {}) });
    };
    const work = service === 'login' ? handleLogin(req, res, url) : service === 'arm' ? Promise.resolve(handleArm(req, res, url)) : handleGraph(req, res, url);
    work.then(done, (err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { code: 'InternalServerError', message: (err as Error).message } });
      done(['unknown', 500]);
    });
  };

  const servers: Record<MockService, Server> = {
    login: createServer({ key, cert }, handler('login')),
    arm: createServer({ key, cert }, handler('arm')),
    graph: createServer({ key, cert }, handler('graph')),
  };
  for (const service of ['login', 'arm', 'graph'] as const) {
    const port = await listen(servers[service]);
    urls[service] = `https://127.0.0.1:${port}`;
  }

  const mock: AzureMock = {
    loginUrl: urls.login,
    armUrl: urls.arm,
    graphUrl: urls.graph,
    caPem,
    caPath: path.resolve(ca.certPath),
    get fixture() {
      return fixture;
    },
    setFixture(f: AzureFixture) {
      fixture = f;
    },
    setPageSize(size: number) {
      pageSize = Math.max(1, size);
    },
    setPages(route, pages) {
      if (pages) canned.set(route, pages);
      else canned.delete(route);
    },
    fault(route, f) {
      faults.set(route, [...(faults.get(route) ?? []), { ...f, times: f.times ?? 1 }]);
    },
    requests,
    count(route) {
      return requests.filter((r) => r.route === route).length;
    },
    reset() {
      requests.length = 0;
      faults.clear();
      canned.clear();
    },
    async stop() {
      await Promise.all(
        Object.values(servers).map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      );
    },
  };
  return mock;
}

/** The Activity Log's $filter: a time window and optionally `resourceProvider eq '...'` (the only other pattern used here). */
function activityLogQuery(filter: string | null): { from: number; to: number; provider?: string } | undefined {
  if (!filter) return undefined;
  const from = /eventTimestamp ge '([^']+)'/i.exec(filter)?.[1];
  const to = /eventTimestamp le '([^']+)'/i.exec(filter)?.[1];
  if (!from || !to || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to))) return undefined;
  const provider = /resourceProvider eq '([^']+)'/i.exec(filter)?.[1];
  return { from: Date.parse(from), to: Date.parse(to), ...(provider ? { provider } : {}) };
}

/** The sign-in log filter the operator sends: a start time and one user. */
function signInQuery(filter: string | null): { from: number; field: 'userPrincipalName' | 'userId'; value: string } | undefined {
  if (!filter) return undefined;
  const from = /createdDateTime ge (\S+)/i.exec(filter)?.[1];
  const user = /(userPrincipalName|userId) eq '([^']*)'/i.exec(filter);
  if (!from || Number.isNaN(Date.parse(from)) || !user) return undefined;
  return { from: Date.parse(from), field: user[1]!.toLowerCase() === 'userid' ? 'userId' : 'userPrincipalName', value: user[2]! };
}

/**
 * Diagnostic settings as the requested api-version shows them: before
 * 2021-05-01-preview the service knows no category groups, so a `categoryGroup`
 * entry carries no group name (and no category).
 */
function diagnosticSettingsFor(settings: Json[], apiVersion: string): Json[] {
  if (apiVersion >= '2021-05-01-preview') return settings;
  return settings.map((s) => {
    const props = (s.properties ?? {}) as Json;
    const logs = Array.isArray(props.logs) ? (props.logs as Json[]) : [];
    return { ...s, properties: { ...props, logs: logs.map(({ categoryGroup: _group, ...rest }) => rest) } };
  });
}
