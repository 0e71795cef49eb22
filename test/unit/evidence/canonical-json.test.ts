// Canonical JSON (RFC 8785) as evidence records are hashed and stored: one form per value.
import { canonicalJson, sha256Base64, sha256Hex } from '../../../operator/src/evidence/canonical-json.js';

describe('canonicalJson', () => {
  it.each<[string, unknown, string]>([
    ['sorts keys, no whitespace', { b: 1, a: [true, null, 'x'] }, '{"a":[true,null,"x"],"b":1}'],
    ['sorts nested keys', { z: { y: 1, x: 2 }, a: {} }, '{"a":{},"z":{"x":2,"y":1}}'],
    ['keeps array order', [3, 1, 2], '[3,1,2]'],
    ['leaves out undefined properties', { a: undefined, b: 1 }, '{"b":1}'],
    ['writes -0 as 0', { n: -0 }, '{"n":0}'],
    ['writes a Date as its ISO string', { at: new Date('2026-12-01T00:00:00.000Z') }, '{"at":"2026-12-01T00:00:00.000Z"}'],
    // RFC 8785 3.2.2.3 / appendix B number forms
    ['numbers as ECMAScript writes them', [1e21, 1e-7, 0.000001, 333333333.33333329, 4.5, 2e-3, 1e23], '[1e+21,1e-7,0.000001,333333333.3333333,4.5,0.002,1e+23]'],
    // RFC 8785 3.2.2.2: only the short escapes and \u00XX for other control characters
    ['escapes strings like JSON.stringify', { s: '\u20ac$\u000f\nA\'B"\\\\"/' }, '{"s":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'],
  ])('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('sorts keys by UTF-16 code units (RFC 8785 3.2.3 example)', () => {
    // The RFC's sorting example: "\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"
    const value = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    // U+1F600 sorts before U+FB33: its first UTF-16 unit is 0xD83D (code points would put it last)
    expect(canonicalJson(value)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('is independent of key insertion order', () => {
    const a = { service: { uid: 'u', name: 'n', namespace: 'ns' }, sequence: 3, controls: [{ status: 'True', control: 'c' }] };
    const b = { controls: [{ control: 'c', status: 'True' }], sequence: 3, service: { namespace: 'ns', name: 'n', uid: 'u' } };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(sha256Hex(canonicalJson(a))).toBe(sha256Hex(canonicalJson(b)));
  });

  it('parses back to the same value', () => {
    const value = { a: [1, 'two', { three: 3.5 }], b: null, c: false, d: 'ünïcode \ud83d\ude00' };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });

  it.each<[string, unknown, RegExp]>([
    ['NaN', { n: Number.NaN }, /non-finite number NaN at \$\.n/],
    ['Infinity', [Number.POSITIVE_INFINITY], /non-finite number Infinity/],
    ['undefined in an array', { list: [1, undefined] }, /undefined in an array at \$\.list\[1\]/],
    ['a function', { f: () => 1 }, /function at \$\.f/],
    ['a bigint', { n: 1n }, /bigint/],
    ['a symbol', [Symbol('s')], /symbol/],
    ['a lone surrogate', { s: 'a\ud800b' }, /lone surrogate/],
    ['a lone surrogate in a key', { ['\udc00']: 1 }, /lone surrogate/],
    ['undefined itself', undefined, /undefined/],
  ])('refuses %s', (_name, value, message) => {
    expect(() => canonicalJson(value)).toThrow(message);
  });

  it('refuses a cycle but not a shared object', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });
});

describe('sha256', () => {
  it.each<[string | Uint8Array, string]>([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [Buffer.from('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ])('hex of %p', (data, hex) => {
    expect(sha256Hex(data)).toBe(hex);
  });

  it('base64 is the same digest (the form S3 ChecksumSHA256 takes)', () => {
    expect(Buffer.from(sha256Base64('abc'), 'base64').toString('hex')).toBe(sha256Hex('abc'));
  });
});
