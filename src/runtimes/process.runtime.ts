import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { ConflictError } from '../common/errors';
import { FailureMode } from '../domain/failure-mode';
import { AgentExit, AgentSpec, AgentState, NodeRuntime } from './node-runtime';

export interface ProcessRuntimeOptions {
  /** compiled agent entry point */
  agentMain: string;
  dataDir: string;
  apiUrl: string;
  heartbeatIntervalMs: number;
}

interface Agent {
  child: ChildProcess;
  /** exits we caused (stop, restart, simulated crash) are not reported as unexpected */
  expectedExit: boolean;
  paused: boolean;
  exited: boolean;
}

/**
 * Node agents as child processes of the server: the embedded default. Each agent logs
 * to `<dataDir>/nodes/<name>/agent.log` and keeps its pods under that folder; agents
 * watch the server's pid and leave with it, so none outlives the server.
 */
export class ProcessRuntime implements NodeRuntime {
  readonly kind = 'process' as const;
  readonly manages = true;
  private readonly logger = new Logger(ProcessRuntime.name);
  private readonly agents = new Map<number, Agent>();
  private readonly listeners: Array<(exit: AgentExit) => void> = [];

  constructor(private readonly options: ProcessRuntimeOptions) {
    if (!existsSync(options.agentMain)) {
      throw new Error(
        `the node agent is not built (${options.agentMain} missing): run npm run build`,
      );
    }
  }

  nodeDir(name: string): string {
    return resolve(this.options.dataDir, 'nodes', name);
  }

  async launch(spec: AgentSpec): Promise<string | null> {
    await this.stop(spec);
    const dir = this.nodeDir(spec.name);
    mkdirSync(dir, { recursive: true });
    const log = openSync(join(dir, 'agent.log'), 'a');
    const child = spawn(process.execPath, [this.options.agentMain], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ID: String(spec.id),
        NODE_NAME: spec.name,
        NODE_TYPE: spec.nodeType,
        API_SERVER: this.options.apiUrl,
        NODE_TOKEN: spec.token,
        CPU_CORES: String(spec.cpuCores),
        HEARTBEAT_INTERVAL_MS: String(this.options.heartbeatIntervalMs),
        DATA_DIR: join(dir, 'data'),
        KUBESIM_PARENT_PID: String(process.pid),
      },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const agent: Agent = { child, expectedExit: false, paused: false, exited: false };
    this.agents.set(spec.id, agent);
    child.on('exit', (code, signal) => {
      agent.exited = true;
      if (this.agents.get(spec.id) === agent && !agent.expectedExit) {
        const detail = signal ? `killed by ${signal}` : `exited with code ${code}`;
        this.logger.warn(`agent of node ${spec.name} (pid ${child.pid}) ${detail}`);
        for (const listener of this.listeners)
          listener({ nodeId: spec.id, nodeName: spec.name, detail, fromOutside: signal !== null });
      }
    });
    child.on('error', (err) => this.logger.error(`agent of node ${spec.name}: ${err.message}`));
    return child.pid ? `pid:${child.pid}` : null;
  }

  async stop(node: { id: number; name: string }): Promise<void> {
    const agent = this.agents.get(node.id);
    if (!agent) return;
    agent.expectedExit = true;
    this.agents.delete(node.id);
    await this.terminate(agent);
  }

  async restart(spec: AgentSpec): Promise<string | null> {
    return this.launch(spec);
  }

  async remove(node: { id: number; name: string }): Promise<void> {
    await this.stop(node);
    rmSync(this.nodeDir(node.name), { recursive: true, force: true });
  }

  async inspect(node: { id: number; name: string }): Promise<AgentState> {
    const agent = this.agents.get(node.id);
    if (!agent) return 'missing';
    if (agent.exited) return 'exited';
    return agent.paused ? 'paused' : 'running';
  }

  async fail(node: { id: number; name: string }, mode: FailureMode): Promise<void> {
    const agent = this.agents.get(node.id);
    if (!agent || agent.exited) {
      throw new ConflictError(`node ${node.name} has no running agent to make fail`);
    }
    if (mode === 'crash') {
      // the monitor must find out through the missing heartbeats, as it would in a real cluster
      agent.expectedExit = true;
      agent.child.kill('SIGKILL');
    } else if (mode === 'hang') {
      agent.paused = true;
      agent.child.kill('SIGSTOP');
    } else {
      agent.child.kill('SIGUSR1');
    }
  }

  onUnexpectedExit(listener: (exit: AgentExit) => void): void {
    this.listeners.push(listener);
  }

  async reconcile(
    nodes: Array<{ id: number; name: string; status: string }>,
    relaunch: (id: number) => Promise<void>,
  ): Promise<void> {
    // agents do not outlive the server: every node that should run gets a new one
    for (const node of nodes) {
      if (['stopped', 'permanently_failed'].includes(node.status)) continue;
      if ((await this.inspect(node)) === 'running') continue;
      await relaunch(node.id);
    }
  }

  async shutdown(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(
      agents.map((agent) => {
        agent.expectedExit = true;
        return this.terminate(agent);
      }),
    );
  }

  /** SIGTERM (the agent sends a last heartbeat), SIGKILL if it is still there after 2 s. */
  private terminate(agent: Agent): Promise<void> {
    if (agent.exited) return Promise.resolve();
    return new Promise((done) => {
      const timer = setTimeout(() => agent.child.kill('SIGKILL'), 2000);
      agent.child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      if (agent.paused) agent.child.kill('SIGCONT');
      agent.child.kill('SIGTERM');
    });
  }
}
