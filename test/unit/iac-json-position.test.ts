// Where a text stops being JSON (iac/json-position.ts): agrees with JSON.parse on what
// is valid, and names the kind and the position of the first mistake.
import { describeJsonSyntaxError, jsonSyntaxError } from '../../operator/src/iac/json-position.js';

describe('jsonSyntaxError', () => {
  it.each([
    ['{}'],
    ['[]'],
    [' {"a": [1, -2.5e+3, true, false, null, "x\\u00e9\\n"], "b": {"c": {}}}\r\n'],
    ['"just a string"'],
    ['0'],
    [`${'['.repeat(500)}${']'.repeat(500)}`],
    [`[${'1'.repeat(1000)}]`],
  ])('valid JSON has no error: %s', (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(jsonSyntaxError(text)).toBeUndefined();
  });

  it.each([
    ['', 'unexpected end of input', 1, 1, 0],
    ['   ', 'unexpected end of input', 1, 4, 3],
    ['{"a": 1,}', 'unexpected character', 1, 9, 8],
    ['[1, 2', 'unexpected end of input', 1, 6, 5],
    ['{"a" 1}', 'unexpected character', 1, 6, 5],
    ['{"a":\n  tru', 'unexpected end of input', 2, 3, 8],
    ['{"a":\n  trap}', 'unexpected character', 2, 3, 8],
    ['["tab\there"]', 'control character in a string', 1, 6, 5],
    ['["bad \\x escape"]', 'invalid escape in a string', 1, 7, 6],
    ['["\\u12G4"]', 'invalid escape in a string', 1, 3, 2],
    ['[01]', 'invalid number', 1, 3, 2],
    ['[1.]', 'invalid number', 1, 3, 2],
    ['[-]', 'invalid number', 1, 2, 1],
    ['{"a": "open', 'unterminated string', 1, 7, 6],
    ['{} {}', 'content after the JSON document', 1, 4, 3],
    ['\ufeff{}', 'byte order mark before the document', 1, 1, 0],
    [`${'['.repeat(2000)}${']'.repeat(2000)}`, 'nested too deeply', 1, 1001, 1000],
    ["{'single': 1}", 'unexpected character', 1, 2, 1],
  ])('%j: %s at line %d, column %d (byte %d)', (text, kind, line, column, byteOffset) => {
    if (kind !== 'nested too deeply') expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(jsonSyntaxError(text)).toEqual({ kind, line, column, byteOffset });
  });

  it('counts bytes as UTF-8 and columns as characters', () => {
    const at = jsonSyntaxError('{"€": x}');
    expect(at).toEqual({ kind: 'unexpected character', line: 1, column: 7, byteOffset: 8 });
    expect(describeJsonSyntaxError(at!)).toBe('unexpected character at line 1, column 7 (byte 8)');
  });

  it('finds the first mistake in a large document', () => {
    const big = JSON.stringify({ resources: Array.from({ length: 20_000 }, (_, i) => ({ urn: `urn:${i}`, custom: true })) }, null, 2);
    const cut = `${big.slice(0, big.length - 3)}, oops`;
    const at = jsonSyntaxError(cut);
    expect(at?.kind).toBe('unexpected character');
    expect(at?.line).toBe(cut.split('\n').length);
  });
});
