// Splits a CloudTrail log document, `{ "Records": [ {...}, {...} ] }`, into the JSON text
// of each record while it streams in, so a log file is never held whole: what is in
// memory at once is one record (bounded) and the chunk being scanned, however large the
// file. Each record's text is then parsed on its own (JSON.parse), which is what checks
// it; outside the records only the nesting is checked (a truncated or unbalanced
// document is damaged).
//
// The scan works on bytes: every character it looks at ({ } [ ] " \ : ,) is ASCII and
// never part of a multi-byte UTF-8 sequence, so a record's bytes can be cut and joined
// at any chunk boundary.

/** A record's text grew past the bound given to the splitter. */
export class RecordTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`a record is larger than ${maxBytes} bytes`);
    this.name = 'RecordTooLargeError';
  }
}

/** The document is not balanced JSON (truncated, or more closed than opened). */
export class DamagedDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DamagedDocumentError';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** The top-level key whose array holds the records. */
const RECORDS_KEY = Buffer.from('Records');

/** Feed chunks with `push`, then call `end`; `onRecord` gets each record's JSON text, in order. */
export class LogRecordSplitter {
  private depth = 0;
  private sawValue = false;
  private topIsObject = false;
  private inString = false;
  private escaped = false;
  /** At depth 1: the string being read could still be "Records" (compared byte by byte). */
  private keyMatch = 0;
  private lastStringIsRecords = false;
  private pendingRecordsKey = false;
  private inRecords = false;
  /** Start of the current record in the chunk being scanned, -1 outside a record. */
  private recordStart = -1;
  private recordParts: Buffer[] = [];
  private recordBytes = 0;

  constructor(
    private readonly onRecord: (json: string) => void,
    private readonly maxRecordBytes: number,
  ) {}

  push(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) {
          this.escaped = true;
          this.keyMatch = -1; // an escaped key is never taken for "Records"
        } else if (c === QUOTE) this.endString();
        else if (this.depth === 1 && this.keyMatch >= 0) {
          this.keyMatch = this.keyMatch < RECORDS_KEY.length && RECORDS_KEY[this.keyMatch] === c ? this.keyMatch + 1 : -1;
        }
        continue;
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          this.keyMatch = 0;
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          this.open(c, i);
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          this.close(chunk, i);
          break;
        case COLON:
          if (this.depth === 1) this.pendingRecordsKey = this.lastStringIsRecords;
          break;
        case COMMA:
          if (this.depth === 1) this.pendingRecordsKey = false;
          break;
        default:
          if (this.depth === 0 && c > 0x20) this.sawValue = true;
      }
    }
    if (this.recordStart >= 0) {
      this.keep(chunk.subarray(this.recordStart));
      this.recordStart = 0;
    }
  }

  /** Throws DamagedDocumentError when the document ended before it was complete (or was empty). */
  end(): void {
    if (this.inString || this.depth !== 0) throw new DamagedDocumentError('the log document is truncated');
    if (!this.sawValue) throw new DamagedDocumentError('the log document is empty');
  }

  private endString(): void {
    this.inString = false;
    if (this.depth === 1) this.lastStringIsRecords = this.keyMatch === RECORDS_KEY.length;
    if (this.depth === 0) this.sawValue = true;
  }

  private open(c: number, i: number): void {
    if (this.depth === 0) {
      this.sawValue = true;
      this.topIsObject = c === OPEN_OBJECT;
    } else if (this.depth === 1 && c === OPEN_ARRAY && this.topIsObject && this.pendingRecordsKey) {
      this.inRecords = true;
    } else if (this.depth === 2 && c === OPEN_OBJECT && this.inRecords) {
      this.recordStart = i;
      this.recordParts = [];
      this.recordBytes = 0;
    }
    this.depth++;
  }

  private close(chunk: Buffer, i: number): void {
    if (this.depth === 0) throw new DamagedDocumentError('the log document closes more than it opens');
    this.depth--;
    if (this.depth === 2 && this.recordStart >= 0) {
      const last = chunk.subarray(this.recordStart, i + 1);
      this.keep(last);
      const text = this.recordParts.length === 1 ? last.toString('utf8') : Buffer.concat(this.recordParts).toString('utf8');
      this.recordStart = -1;
      this.recordParts = [];
      this.recordBytes = 0;
      this.onRecord(text);
    } else if (this.depth === 1) {
      this.inRecords = false;
      this.pendingRecordsKey = false;
    }
  }

  private keep(part: Buffer): void {
    this.recordBytes += part.length;
    if (this.recordBytes > this.maxRecordBytes) throw new RecordTooLargeError(this.maxRecordBytes);
    this.recordParts.push(part);
  }
}
