import { ApiException } from '@kubernetes/client-node';
import { apiErrorDetail } from '../../operator/src/kube/api.js';

describe('apiErrorDetail', () => {
  const headers = { 'audit-id': '2224e781-3d42-4bb6-9025-194036bc52b0', authorization: 'Bearer not-for-logs' };

  it('keeps the code, Status reason and message and drops the response headers', () => {
    const body = JSON.stringify({ kind: 'Status', status: 'Failure', message: 'cloudservices is forbidden: no access', reason: 'Forbidden', code: 403 });
    const detail = apiErrorDetail(new ApiException(403, 'Unknown API Status Code!', body, headers));
    expect(detail).toEqual({ code: 403, reason: 'Forbidden', message: 'cloudservices is forbidden: no access' });
    expect(JSON.stringify(detail)).not.toContain('audit-id');
    expect(JSON.stringify(detail)).not.toContain('Bearer');
  });

  it('accepts a Status body that is already parsed', () => {
    const detail = apiErrorDetail(new ApiException(429, 'x', { reason: 'TooManyRequests', message: 'storage is (re)initializing' }, headers));
    expect(detail).toEqual({ code: 429, reason: 'TooManyRequests', message: 'storage is (re)initializing' });
  });

  it('falls back to the HTTP code or a short text body when there is no Status', () => {
    expect(apiErrorDetail(new ApiException(502, 'x', '', headers))).toEqual({ code: 502, message: 'HTTP 502' });
    expect(apiErrorDetail(new ApiException(502, 'x', 'bad gateway', headers))).toEqual({ code: 502, reason: undefined, message: 'bad gateway' });
  });

  it('reads the status code a failed watch carries', () => {
    const error = Object.assign(new Error('Gone'), { statusCode: 410 });
    expect(apiErrorDetail(error)).toEqual({ code: 410, message: 'Gone' });
  });
});
