import { RuntimeUnsupportedError } from '../common/errors';
import { AgentState, NodeRuntime } from './node-runtime';

/**
 * Agents started by the user anywhere (other machines, a fleet process): the server
 * only registers and monitors them.
 */
export class ExternalRuntime implements NodeRuntime {
  readonly kind = 'external' as const;
  readonly manages = false;

  private unsupported(action: string): never {
    throw new RuntimeUnsupportedError(
      `cannot ${action} an external agent: it runs outside kubesim's control (RUNTIME=external)`,
    );
  }

  async launch(): Promise<string | null> {
    return null;
  }
  async stop(): Promise<void> {
    this.unsupported('stop');
  }
  async restart(): Promise<string | null> {
    this.unsupported('restart');
  }
  async remove(): Promise<void> {
    /* nothing of ours to remove */
  }
  async inspect(): Promise<AgentState> {
    return 'unknown';
  }
  async fail(): Promise<void> {
    this.unsupported('fail');
  }
  onUnexpectedExit(): void {
    /* external agents are watched through their heartbeats alone */
  }
  async shutdown(): Promise<void> {
    /* nothing to stop */
  }
}
