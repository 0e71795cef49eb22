import { canonical, createMergePatch } from '../../operator/src/kube/merge-patch.js';

describe('createMergePatch', () => {
  it('sets removed keys to null, keeps unchanged keys out, replaces arrays whole', () => {
    const from = { a: 1, b: { c: 2, d: 3 }, list: [1, 2], gone: 'x' };
    const to = { a: 1, b: { c: 2, d: 4 }, list: [1], added: true };
    expect(createMergePatch(from, to)).toEqual({ b: { d: 4 }, list: [1], gone: null, added: true });
  });

  it('returns the target when the source is not an object', () => {
    expect(createMergePatch(undefined, { a: 1 })).toEqual({ a: 1 });
  });
});

describe('canonical', () => {
  it('ignores key order and undefined members', () => {
    expect(canonical({ b: 1, a: { y: 2, x: undefined, z: [3] } })).toBe(canonical({ a: { z: [3], y: 2 }, b: 1 }));
  });
});
