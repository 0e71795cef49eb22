// The local cloud accounts behind the demo's sample services.

export interface DemoAccounts {
  /** Environment for the operator process (endpoints, dummy credentials). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startDemoAccounts(_runDir: string): Promise<DemoAccounts> {
  return { env: {}, stop: async () => undefined };
}
