// Pulumi URNs and provider references, as the engine writes them in state and as the
// mocks see them: the stack, the logical name, and the provider a resource names.

/** "urn:pulumi:prod::payments::aws:s3/bucket:Bucket::data" -> "prod". */
export function stackOfUrn(urn: string): string | undefined {
  const m = /^urn:pulumi:([^:]+)::/.exec(urn);
  return m?.[1];
}

/** The URN's last segment: the resource's logical name. */
export function nameOfUrn(urn: string): string {
  const i = urn.lastIndexOf('::');
  return i >= 0 ? urn.slice(i + 2) : urn;
}

/** A provider reference is "<provider urn>::<provider id>". */
export function providerUrnOf(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const i = ref.lastIndexOf('::');
  return i > 0 ? ref.slice(0, i) : undefined;
}
