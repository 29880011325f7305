/** A dependency check for /readyz: resolves when the dependency is reachable, throws (or rejects) when not. */
export type ReadinessCheck = () => unknown;

export type ServiceState = 'starting' | 'ready' | 'draining';

export interface ReadinessReport {
  ready: boolean;
  status: ServiceState | 'unready';
  checks: Record<string, string>;
}

/** What /readyz answers: not ready while starting, while any check fails, and while draining. */
export class Readiness {
  state: ServiceState = 'starting';

  constructor(
    private readonly checks: Record<string, ReadinessCheck> = {},
    private readonly timeoutMs = 2000,
  ) {}

  async report(): Promise<ReadinessReport> {
    const names = Object.keys(this.checks);
    const results = await Promise.all(names.map((name) => this.run(this.checks[name]!)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
    if (this.state !== 'ready') return { ready: false, status: this.state, checks };
    const ready = results.every((result) => result === 'ok');
    return { ready, status: ready ? 'ready' : 'unready', checks };
  }

  private async run(check: ReadinessCheck): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([Promise.resolve().then(check), timeout]);
      return 'ok';
    } catch (error) {
      return `error: ${(error as Error).message}`;
    } finally {
      clearTimeout(timer);
    }
  }
}
