/**
 * CPU profiles of a chosen window (the timed decide() loop, or one HTTP run's measured window) of this process,
 * through the inspector, so the profile holds the load and not the start-up, the data generation or user setup.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** Starts and stops the V8 sampling profiler on this thread; `null` directory = profiling off. */
export class WindowProfiler {
  private session: Session | null = null;

  constructor(
    private readonly dir: string | null,
    private readonly intervalUs = 250,
  ) {}

  get enabled(): boolean {
    return this.dir !== null;
  }

  async start(): Promise<void> {
    if (!this.dir) return;
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: this.intervalUs });
    await this.session.post('Profiler.start');
  }

  /** Stops and writes `<dir>/<name>.cpuprofile`; returns its path (null when off). */
  async stop(name: string): Promise<string | null> {
    if (!this.dir || !this.session) return null;
    const { profile } = await this.session.post('Profiler.stop');
    await this.session.post('Profiler.disable');
    this.session.disconnect();
    this.session = null;
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, `${name}.cpuprofile`);
    writeFileSync(path, JSON.stringify(profile));
    return path;
  }
}
