import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Logger } from '@nestjs/common';
import {
  destroyStream,
  DockerEngine,
  DockerEngineAdapter,
  DockerUnreachableError,
  statusOf,
} from './docker-engine';

const BUILD_TIMEOUT_MS = 10 * 60_000;
const COMPILE_TIMEOUT_MS = 5 * 60_000;

export interface NodeImageOptions {
  /** project root: `node-simulator/` (Dockerfile, compiled agent) lives there */
  root: string;
  nodeImage: string;
  nodeBaseImage: string;
}

/**
 * The node image: used if the engine has it, else built from `node-simulator/` on the
 * configured base image (the agent compiled first if it is not), once for all callers.
 */
export class NodeImageBuilder {
  private readonly logger = new Logger(NodeImageBuilder.name);
  private image: Promise<void> | null = null;
  /** the output of a build under way, cut on shutdown */
  private build: NodeJS.ReadableStream | null = null;

  constructor(
    private readonly engine: DockerEngineAdapter,
    private readonly options: NodeImageOptions,
  ) {}

  /** Builds the node image unless it exists; concurrent callers share one build. */
  ensure(): Promise<void> {
    if (!this.image) {
      this.image = this.prepare().catch((err) => {
        this.image = null;
        throw err;
      });
    }
    return this.image;
  }

  /** The image went away since it was checked: the next `ensure` looks (and builds) again. */
  forget(): void {
    this.image = null;
  }

  /** Cuts a build under way. */
  cancel(): void {
    destroyStream(this.build);
  }

  private async prepare(): Promise<void> {
    const { nodeImage } = this.options;
    try {
      await this.engine.call(`inspect image ${nodeImage}`, () =>
        this.engine.api.getImage(nodeImage).inspect(),
      );
      return;
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    await this.buildImage();
  }

  private async buildImage(): Promise<void> {
    const { root, nodeImage, nodeBaseImage } = this.options;
    const agentDir = join(root, 'node-simulator');
    const dockerfile = join(agentDir, 'Dockerfile');
    if (!existsSync(dockerfile))
      throw new Error(`cannot build ${nodeImage}: ${dockerfile} is missing`);
    if (!existsSync(join(agentDir, 'dist', 'main.js'))) await compileAgent(root);
    const context = buildContext(root, readFileSync(dockerfile, 'utf8'));
    this.logger.log(`building ${nodeImage} from node-simulator/ on ${nodeBaseImage}`);
    const started = Date.now();
    const streams = this.engine.streams;
    const stream = await this.engine.call(
      `build ${nodeImage}`,
      () =>
        streams.buildImage(
          { context: context.dir, src: context.entries },
          {
            t: nodeImage,
            dockerfile: context.dockerfile,
            buildargs: { NODE_IMAGE: nodeBaseImage },
            rm: true,
            forcerm: true,
          },
        ),
      BUILD_TIMEOUT_MS,
    );
    this.build = stream;
    try {
      await followBuild(
        streams.modem,
        stream,
        BUILD_TIMEOUT_MS - (Date.now() - started),
        nodeImage,
      );
    } finally {
      this.build = null;
    }
    this.logger.log(`built ${nodeImage} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

/** One line of a build's output. */
interface BuildMessage {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Reads a build's output to the end with the client's own progress reader; an error line
 * becomes an Error with the engine's words.
 */
function followBuild(
  modem: DockerEngine['modem'],
  stream: NodeJS.ReadableStream,
  timeoutMs: number,
  image: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const tail: string[] = [];
    let failure: string | null = null;
    let settled = false;
    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => {
      destroyStream(stream);
      finish(
        new DockerUnreachableError(
          `the Docker engine did not finish building ${image} within ${timeoutMs / 1000} s`,
        ),
      );
    }, timeoutMs);
    modem.followProgress(
      stream,
      (err) => {
        if (err) return finish(new Error(`building ${image}: ${err.message}`));
        // the reader takes a stream closed before its end (cut on shutdown, or by the engine) for its end
        if (!(stream as Readable).readableEnded)
          return finish(new Error(`building ${image} was interrupted`));
        if (failure) {
          const context = tail.length ? ` (last output: ${tail.join(' | ')})` : '';
          finish(new Error(`building ${image} failed: ${failure}${context}`));
        } else finish(null);
      },
      (message: BuildMessage) => {
        if (message.error || message.errorDetail?.message)
          failure = message.errorDetail?.message ?? message.error ?? null;
        if (message.stream?.trim()) {
          tail.push(message.stream.trim());
          if (tail.length > 8) tail.shift();
        }
      },
    );
  });
}

/**
 * What to send the engine: the Dockerfile and what its COPY/ADD lines name. The context is
 * `node-simulator/` unless the Dockerfile copies paths written from the project root.
 */
export function buildContext(
  root: string,
  dockerfileText: string,
): { dir: string; dockerfile: string; entries: string[] } {
  const sources: string[] = [];
  for (const raw of dockerfileText.split('\n')) {
    const match = /^\s*(?:COPY|ADD)\s+(.*)$/i.exec(raw);
    if (!match) continue;
    const words = match[1]
      .trim()
      .split(/\s+/)
      .filter((w) => !w.startsWith('--'));
    if (words[0]?.startsWith('[')) continue;
    sources.push(...words.slice(0, -1));
  }
  const fromRoot = sources.some((s) => s.replace(/^\.\//, '').startsWith('node-simulator/'));
  const dir = fromRoot ? root : join(root, 'node-simulator');
  const dockerfile = fromRoot ? 'node-simulator/Dockerfile' : 'Dockerfile';
  const entries = new Set<string>([dockerfile]);
  for (const source of sources) {
    const clean = source.replace(/^\.\//, '').replace(/\/+$/, '');
    // a glob is sent with the folder it sits in
    const path = /[*?[]/.test(clean)
      ? clean.split('/').slice(0, -1).join('/') || '.'
      : clean || '.';
    if (path === '.') return { dir, dockerfile, entries: ['.'] };
    if (existsSync(join(dir, path))) entries.add(path);
  }
  return { dir, dockerfile, entries: [...entries] };
}

/** Compiles the agent (`node-simulator/dist/`) the image copies. */
function compileAgent(root: string): Promise<void> {
  const localTsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const [command, args] = existsSync(localTsc)
    ? [process.execPath, [localTsc, '-p', 'node-simulator/tsconfig.json']]
    : ['npx', ['tsc', '-p', 'node-simulator/tsconfig.json']];
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: root, timeout: COMPILE_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err)
        reject(
          new Error(`compiling the node agent failed: ${(stderr || stdout || err.message).trim()}`),
        );
      else resolve();
    });
  });
}
