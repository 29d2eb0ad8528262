import { Global, Logger, Module } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ClusterStore } from '../database/cluster-store';
import { projectRoot } from '../common/project-root';
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
  switch (config.runtime) {
    case 'external':
      runtime = new ExternalRuntime();
      break;
    case 'process':
      runtime = processRuntime();
      break;
    case 'docker': {
      const { DockerRuntime } = await import('./docker.runtime');
      runtime = await DockerRuntime.create(config, root, undefined, clusterId);
      break;
    }
    case 'auto': {
      const { DockerRuntime } = await import('./docker.runtime');
      const why = await DockerRuntime.unavailableReason(config);
      if (why === null) runtime = await DockerRuntime.create(config, root, undefined, clusterId);
      else {
        logger.log(`Docker not usable (${why}): agents run as child processes`);
        runtime = processRuntime();
      }
      break;
    }
  }
  logger.log(`node runtime: ${runtime.kind}`);
  return runtime;
}

@Global()
@Module({
  providers: [
    {
      provide: NODE_RUNTIME,
      inject: [APP_CONFIG, ClusterStore],
      useFactory: async (config: AppConfig, store: ClusterStore) =>
        createRuntime(config, await store.clusterId()),
    },
  ],
  exports: [NODE_RUNTIME],
})
export class RuntimeModule {}
