// Canonical JSON and SHA-256 live in inventory/canonical-json.ts, a leaf the providers
// may import too (they hash the cloud's answers); re-exported here for evidence/ users.
export { canonicalJson, sha256Base64, sha256Hex, type JsonValue } from '../inventory/canonical-json.js';
