// The pure parts of providers/azure/log-delivery.ts: vault account names, the blob
// endpoint template (real Azure's URL shape by default) and how failed blob reads
// become delivery facts (errors in the shape @azure/storage-blob throws for Azure's
// documented answers: statusCode + x-ms-error-code as `code` / `details.errorCode`).

import {
  ACTIVITY_LOG_CONTAINER,
  AZURE_STORAGE_BLOB_ENDPOINT_ENV,
  DEFAULT_BLOB_ENDPOINT_TEMPLATE,
  blobAccountUrl,
  deliveryFromError,
  resolveBlobEndpointTemplate,
  storageAccountName,
  subscriptionPrefix,
} from '../../operator/src/providers/azure/log-delivery.js';

describe('Azure log delivery: pure parts', () => {
  it('reads the account name of a storage account resource id only', () => {
    expect(storageAccountName('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/AuditVault')).toBe('auditvault');
    expect(storageAccountName('/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w')).toBeUndefined();
    expect(storageAccountName('/subscriptions/s/providers/Microsoft.Storage/storageAccounts/a_b')).toBeUndefined();
  });

  it("defaults to Azure's public-cloud URL shape; the environment may set another https template", () => {
    expect(resolveBlobEndpointTemplate(undefined, {})).toBe(DEFAULT_BLOB_ENDPOINT_TEMPLATE);
    expect(blobAccountUrl(DEFAULT_BLOB_ENDPOINT_TEMPLATE, 'vault')).toBe('https://vault.blob.core.windows.net');
    expect(resolveBlobEndpointTemplate(undefined, { [AZURE_STORAGE_BLOB_ENDPOINT_ENV]: 'https://127.0.0.1:10000/{account}/' })).toBe('https://127.0.0.1:10000/{account}');
    expect(() => resolveBlobEndpointTemplate('http://127.0.0.1:10000/{account}', {})).toThrow(/must use https/);
    expect(() => resolveBlobEndpointTemplate('https://vault.blob.core.windows.net', {})).toThrow(/\{account\}/);
  });

  it('looks for the subscription folder the way Azure writes it (upper case)', () => {
    expect(subscriptionPrefix('0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e')).toBe('resourceId=/SUBSCRIPTIONS/0B1C2D3E-4F5A-4B6C-9D7E-8F9A0B1C2D3E/');
  });

  it('403 AuthorizationPermissionMismatch (no data-plane role): unreadable, naming Storage Blob Data Reader', () => {
    const err = Object.assign(new Error('This request is not authorized to perform this operation using this permission.'), {
      name: 'RestError',
      statusCode: 403,
      code: 'AuthorizationPermissionMismatch',
      details: { errorCode: 'AuthorizationPermissionMismatch' },
    });
    expect(deliveryFromError(err, 'vault')).toEqual({
      lastDeliveryUnreadable: `reading vault/${ACTIVITY_LOG_CONTAINER} was refused: AuthorizationPermissionMismatch (HTTP 403); the operator's identity needs the Storage Blob Data Reader role on the storage account or container`,
    });
  });

  it('404 ContainerNotFound: nothing was ever delivered (a failure, not unreadable)', () => {
    const err = Object.assign(new Error('The specified container does not exist.'), { name: 'RestError', statusCode: 404, code: 'ContainerNotFound' });
    expect(deliveryFromError(err, 'vault')).toEqual({ lastDeliveryError: `no activity log has been delivered: container vault/${ACTIVITY_LOG_CONTAINER} does not exist` });
  });

  it('network failures and other answers: unreadable with the code', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND vault.blob.core.windows.net'), { code: 'ENOTFOUND' });
    expect(deliveryFromError(dns, 'vault').lastDeliveryUnreadable).toBe(`reading vault/${ACTIVITY_LOG_CONTAINER} failed: ENOTFOUND`);
    const busy = Object.assign(new Error('busy'), { statusCode: 503, code: 'ServerBusy' });
    expect(deliveryFromError(busy, 'vault').lastDeliveryUnreadable).toBe(`reading vault/${ACTIVITY_LOG_CONTAINER} failed: ServerBusy (HTTP 503)`);
  });
});
