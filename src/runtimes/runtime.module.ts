import { Global, Logger, Module } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SettingsRepository } from '../database/settings.repository';
import { projectRoot } from '../common/project-root';
import type { AutoChoice } from '../docker/api-reachability';
import { ExternalRuntime } from './external.runtime';
import { NODE_RUNTIME, NodeRuntime } from './node-runtime';
import { ProcessRuntime } from './process.runtime';

export async function createRuntime(
  config: AppConfig,
  clusterId = 'default',
): Promise<NodeRuntime> {
  const logger = new Logger('Runtime');
  const root = projectRoot();
  const processRuntime = () =>
    new ProcessRuntime({
      agentMain: join(root, 'dist', 'node-simulator', 'src', 'main.js'),
      dataDir: config.dataDir,
      apiUrl: config.apiUrl,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
    });
  let runtime: NodeRuntime;
  if (config.workerRole === 'api') {
    // another worker of this server owns the agents
    const { RemoteRuntime } = await import('./remote.runtime');
    runtime = new RemoteRuntime(
      config.leadRuntime ?? 'process',
      config.dockerTimeoutMs + 5000,
      process as unknown as import('./remote.runtime').WorkerChannel,
    );
    logger.log(`node runtime: ${runtime.kind}, through the lead worker`);
    return runtime;
  }
  switch (config.runtime) {
    case 'external':
      runtime = new ExternalRuntime();
      break;
    case 'process':
      runtime = processRuntime();
      break;
    case 'docker': {
      const { DockerRuntime } = await import('../docker/docker.runtime');
      runtime = await DockerRuntime.create(config, root, undefined, clusterId);
      break;
    }
    case 'auto': {
      const choice = await chooseAuto(config);
      if (choice.kind === 'docker') {
        logger.log(`RUNTIME=auto: ${choice.detail}: agents run in Docker containers`);
        const { DockerRuntime } = await import('../docker/docker.runtime');
        runtime = await DockerRuntime.create(
          { ...config, dockerNetwork: choice.network },
          root,
          undefined,
          clusterId,
        );
      } else {
        logger.log(`RUNTIME=auto: Docker not used (${choice.why}): agents run as child processes`);
        runtime = processRuntime();
      }
      break;
    }
  }
  logger.log(`node runtime: ${runtime.kind}`);
  return runtime;
}

/**
 * RUNTIME=auto picks Docker only when an engine answers, a node image (or its base) is
 * there, and a container on some network can reach the API; otherwise processes.
 */
export async function chooseAuto(config: AppConfig): Promise<AutoChoice> {
  const { DockerRuntime } = await import('../docker/docker.runtime');
  const why = await DockerRuntime.unavailableReason(config);
  if (why !== null) return { kind: 'process', why };
  const image = await DockerRuntime.localImage(config);
  if (!image) return { kind: 'process', why: `${config.nodeImage} is no longer present` };
  const { chooseDockerNetwork } = await import('../docker/api-reachability');
  return chooseDockerNetwork(config, image);
}

@Global()
@Module({
  providers: [
    {
      provide: NODE_RUNTIME,
      inject: [APP_CONFIG, SettingsRepository],
      useFactory: async (config: AppConfig, settings: SettingsRepository) =>
        createRuntime(config, await settings.clusterId()),
    },
  ],
  exports: [NODE_RUNTIME],
})
export class RuntimeModule {}
