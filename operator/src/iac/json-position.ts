// Where a text stops being JSON, and what kind of mistake it is, without any of the
// text: JSON.parse quotes what it read ("Unexpected token 'h', \"hunter2\" is not valid
// JSON"), and the text may be a Secret's value. Run only after JSON.parse failed, so it
// follows RFC 8259 and nothing else (no comments, no trailing commas).

export type JsonSyntaxKind =
  | 'unexpected character'
  | 'unexpected end of input'
  | 'unterminated string'
  | 'control character in a string'
  | 'invalid escape in a string'
  | 'invalid number'
  | 'content after the JSON document'
  | 'byte order mark before the document'
  | 'nested too deeply';

export interface JsonSyntaxPosition {
  kind: JsonSyntaxKind;
  /** 1-based line and column (column in UTF-16 code units, as editors on the web count). */
  line: number;
  column: number;
  /** 0-based offset in UTF-8 bytes from the start of the text. */
  byteOffset: number;
}

/** Far deeper than any Pulumi state; the scan recurses per level, so hostile depth stops here. */
const MAX_DEPTH = 1_000;
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class Stop {
  constructor(
    readonly kind: JsonSyntaxKind,
    readonly at: number,
  ) {}
}

/** The first syntax error of `text` as a position and a kind; undefined when it is valid JSON. */
export function jsonSyntaxError(text: string): JsonSyntaxPosition | undefined {
  const stop = scan(text);
  return stop ? positionOf(text, stop) : undefined;
}

/** `unexpected character at line 3, column 7 (byte 41)`: the words used in every parse message. */
export function describeJsonSyntaxError(p: JsonSyntaxPosition): string {
  return `${p.kind} at line ${p.line}, column ${p.column} (byte ${p.byteOffset})`;
}

function scan(text: string): Stop | undefined {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const string = () => {
    const start = i; // an unterminated string is reported where it opens
    i++;
    for (;;) {
      if (i >= n) throw new Stop('unterminated string', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) throw new Stop('control character in a string', i);
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === undefined) throw new Stop('unterminated string', start);
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Stop('invalid escape in a string', i);
          i += 6;
        } else if ('"\\/bfnrt'.includes(e)) i += 2;
        else throw new Stop('invalid escape in a string', i);
        continue;
      }
      i++;
    }
  };
  const number = () => {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) throw new Stop(i + 1 >= n ? 'unexpected end of input' : 'invalid number', i);
    i += m[0].length;
    if (i < n && /[0-9.eE+-]/.test(text[i] as string)) throw new Stop('invalid number', i);
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else throw new Stop(word.startsWith(text.slice(i, i + word.length)) ? 'unexpected end of input' : 'unexpected character', i);
  };
  // What is open, innermost last; siblings loop (closeOrContinue), only nesting recurses.
  const open: Array<'{' | '['> = [];
  const value = (): void => {
    ws();
    if (i >= n) throw new Stop('unexpected end of input', i);
    const c = text[i];
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '{' || c === '[') {
      if (open.length >= MAX_DEPTH) throw new Stop('nested too deeply', i);
      open.push(c);
      i++;
      ws();
      if (text[i] === (c === '{' ? '}' : ']')) {
        open.pop();
        i++;
        return;
      }
      if (c === '{') member();
      else value();
      return closeOrContinue();
    }
    throw new Stop('unexpected character', i);
  };
  const member = () => {
    ws();
    if (i >= n) throw new Stop('unexpected end of input', i);
    if (text[i] !== '"') throw new Stop('unexpected character', i);
    string();
    ws();
    if (i >= n) throw new Stop('unexpected end of input', i);
    if (text[i] !== ':') throw new Stop('unexpected character', i);
    i++;
    value();
  };
  // After a member or an element: `,` and the next one, or the closing bracket.
  const closeOrContinue = (): void => {
    for (;;) {
      ws();
      const top = open[open.length - 1];
      if (top === undefined) return;
      if (i >= n) throw new Stop('unexpected end of input', i);
      if (text[i] === ',') {
        i++;
        if (top === '{') member();
        else value();
        continue;
      }
      if (text[i] === (top === '{' ? '}' : ']')) {
        open.pop();
        i++;
        return;
      }
      throw new Stop('unexpected character', i);
    }
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) throw new Stop('byte order mark before the document', 0);
    value();
    ws();
    if (i < n) throw new Stop('content after the JSON document', i);
    return undefined;
  } catch (error) {
    if (error instanceof Stop) return error;
    if (error instanceof RangeError) return new Stop('nested too deeply', i);
    throw error;
  }
}

function positionOf(text: string, stop: Stop): JsonSyntaxPosition {
  const before = text.slice(0, stop.at);
  const lastNewline = before.lastIndexOf('\n');
  let line = 1;
  for (let k = before.indexOf('\n'); k !== -1; k = before.indexOf('\n', k + 1)) line++;
  return { kind: stop.kind, line, column: stop.at - lastNewline, byteOffset: Buffer.byteLength(before, 'utf8') };
}
