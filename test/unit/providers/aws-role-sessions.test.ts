// Role sessions kept between reads of an account (providers/aws/role-sessions.ts): one per
// role, external id, session name and static credentials; least recently used dropped
// past the bound.

import type { AwsCredentialProvider, CredentialSpec } from '../../../operator/src/providers/aws/clients.js';
import { RoleSessions } from '../../../operator/src/providers/aws/role-sessions.js';

function counting(max?: number) {
  const built: CredentialSpec[] = [];
  const sessions = new RoleSessions((spec) => {
    built.push(spec);
    return (async () => ({ accessKeyId: `AKIA${built.length}`, secretAccessKey: 's' })) as AwsCredentialProvider;
  }, max);
  return { sessions, built };
}

const role = (n: number, extra: Partial<CredentialSpec> = {}): CredentialSpec => ({ roleArn: `arn:aws:iam::11112222333${n}:role/read`, externalId: `x-${n}`, ...extra });

describe('RoleSessions', () => {
  it('gives the same session for the same credentials and a new one when anything that makes them differs', () => {
    const { sessions, built } = counting();
    const first = sessions.get(role(1));
    expect(sessions.get(role(1))).toBe(first);
    sessions.get(role(1, { sessionName: 'cloudposture.team-b' }));
    sessions.get(role(1, { externalId: 'other' }));
    sessions.get(role(1, { staticCredentials: { accessKeyId: 'AKIAOLD', secretAccessKey: 'a' } }));
    sessions.get(role(1, { staticCredentials: { accessKeyId: 'AKIAOLD', secretAccessKey: 'rotated' } }));
    expect(built).toHaveLength(5);
  });

  it('keeps at most its bound, dropping the least recently used', () => {
    const { sessions, built } = counting(2);
    sessions.get(role(1));
    sessions.get(role(2));
    sessions.get(role(1)); // 1 is now the most recent
    sessions.get(role(3)); // drops 2
    expect(sessions.size).toBe(2);
    sessions.get(role(1));
    expect(built).toHaveLength(3);
    sessions.get(role(2));
    expect(built).toHaveLength(4);
  });
});
