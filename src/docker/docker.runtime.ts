import { AppConfig } from '../config/app-config';
import { NodeRuntime } from './node-runtime';

export class DockerRuntime {
  static async unavailableReason(_config: AppConfig): Promise<string | null> {
    return 'the docker runtime is not built yet';
  }
  static async create(_config: AppConfig, _root: string): Promise<NodeRuntime> {
    throw new Error('the docker runtime is not built yet');
  }
}
