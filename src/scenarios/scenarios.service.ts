import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiClient } from '../../cli/api-client';
import { parseScenario } from '../../cli/scenario/parse';
import { type Scenario, ScenarioSyntaxError } from '../../cli/scenario/scenario';
import { failureMessage, playScenario, type StepResult } from '../../cli/scenario/play';
import type { Clock } from '../../cli/scenario/schedule';
import { sleep } from '../../cli/progress';
import { BadInputError, ConflictError, NotFoundError } from '../common/errors';
import { projectRoot } from '../common/project-root';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { EventsService } from '../events/events.service';
import { LessonDto, ScenarioRunDto, StartScenarioDto } from './dto/scenario.dto';

/** Scenarios played at once; more is a 409 until one ends. */
const MAX_RUNNING = 3;
/** Runs kept for GET /scenarios (the oldest finished ones go first). */
const KEPT = 20;
/** How long one request of a scenario may take. */
const REQUEST_TIMEOUT_MS = 30_000;

interface Run {
  dto: ScenarioRunDto;
  stop: AbortController;
}

/**
 * Scenarios played by the server itself, for a client that has no CLI (Swagger UI, Postman,
 * the dashboard): the same engine as `kubesim scenario run`, speaking to this server's own
 * API over loopback, with its progress as events (`ScenarioStep`, `ScenarioPassed`,
 * `ScenarioFailed`) on the event stream.
 */
@Injectable()
export class ScenariosService implements OnApplicationShutdown {
  private readonly logger = new Logger('Scenarios');
  private readonly runs = new Map<string, Run>();
  private readonly lessonsDir = join(projectRoot(), 'examples', 'scenarios');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: EventsService,
  ) {}

  async start(body: StartScenarioDto): Promise<ScenarioRunDto> {
    if ((body.scenario === undefined) === (body.lesson === undefined))
      throw new BadInputError(
        'give either scenario (the YAML of a scenario file) or lesson (a name from GET /scenarios/lessons)',
      );
    const text = body.scenario ?? (await this.lessonText(body.lesson!));
    let scenario: Scenario;
    try {
      scenario = parseScenario(text);
    } catch (err) {
      if (err instanceof ScenarioSyntaxError) throw new BadInputError(`scenario: ${err.message}`);
      throw err;
    }
    const running = [...this.runs.values()].filter((r) => r.dto.status === 'running').length;
    if (running >= MAX_RUNNING)
      throw new ConflictError(
        `${running} scenarios are running, the most kubesim plays at once; try again when one ends`,
      );
    const seed = body.seed ?? Math.floor(Math.random() * 2 ** 31);
    const run: Run = {
      dto: {
        id: randomBytes(4).toString('hex'),
        name: scenario.name,
        seed,
        status: 'running',
        started_at: new Date().toISOString(),
        finished_at: null,
        message: null,
        steps: [],
      },
      stop: new AbortController(),
    };
    this.keep(run);
    void this.play(run, scenario);
    return run.dto;
  }

  get(id: string): ScenarioRunDto {
    const run = this.runs.get(id);
    if (!run) throw new NotFoundError('scenario run', id);
    return run.dto;
  }

  /** The runs kept, newest first. */
  list(): ScenarioRunDto[] {
    return [...this.runs.values()].map((r) => r.dto).reverse();
  }

  /** The lessons shipped in examples/scenarios, each with its opening comment. */
  async lessons(): Promise<LessonDto[]> {
    const files = (await readdir(this.lessonsDir).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    return Promise.all(
      files.map(async (file) => {
        const text = await readFile(join(this.lessonsDir, file), 'utf8');
        const comment: string[] = [];
        for (const line of text.split('\n')) {
          if (!line.startsWith('#')) break;
          const words = line.replace(/^#\s?/, '');
          // the comment's lesson, not the command lines that follow it
          if (/^\s/.test(words) || words.startsWith('Best with')) break;
          comment.push(words);
        }
        return { name: file.replace(/\.yaml$/, ''), description: comment.join(' ').trim() };
      }),
    );
  }

  onApplicationShutdown(): void {
    for (const run of this.runs.values()) run.stop.abort();
  }

  private async lessonText(name: string): Promise<string> {
    try {
      return await readFile(join(this.lessonsDir, `${name}.yaml`), 'utf8');
    } catch {
      throw new NotFoundError('lesson', name);
    }
  }

  private keep(run: Run): void {
    this.runs.set(run.dto.id, run);
    for (const [id, r] of this.runs) {
      if (this.runs.size <= KEPT) break;
      if (r.dto.status !== 'running') this.runs.delete(id);
    }
  }

  private async play(run: Run, scenario: Scenario): Promise<void> {
    const { dto, stop } = run;
    const object = `scenario/${dto.name}`;
    const api = new ApiClient({
      server: this.config.apiUrl.replace(/\/+$/, ''),
      token: this.config.apiToken ?? undefined,
      timeoutMs: REQUEST_TIMEOUT_MS,
      signal: stop.signal,
    });
    const clock: Clock = { now: () => Date.now(), sleep: (ms) => sleep(ms, stop.signal) };
    await this.events.record(
      'Normal',
      'ScenarioStarted',
      object,
      `Scenario ${dto.name} started (run ${dto.id}, seed ${dto.seed}, ${scenario.steps.length} steps)`,
    );
    try {
      const played = await playScenario(api, scenario, dto.seed, clock, (step) => {
        dto.steps.push(step);
        void this.events.record(
          step.result === 'failed' ? 'Warning' : 'Normal',
          'ScenarioStep',
          object,
          stepLine(dto.id, step),
        );
      });
      dto.status = played.passed ? 'passed' : 'failed';
      dto.message = played.failed ? failureMessage(played.failed) : null;
    } catch (err) {
      dto.status = stop.signal.aborted ? 'stopped' : 'failed';
      dto.message = stop.signal.aborted
        ? 'stopped: the server is shutting down'
        : `the scenario could not go on: ${(err as Error).message}`;
      if (!stop.signal.aborted) this.logger.warn(`scenario ${dto.id}: ${dto.message}`);
    }
    dto.finished_at = new Date().toISOString();
    if (stop.signal.aborted) return;
    const expectations = dto.steps.filter((s) => s.kind === 'expect').length;
    await this.events.record(
      dto.status === 'passed' ? 'Normal' : 'Warning',
      dto.status === 'passed' ? 'ScenarioPassed' : 'ScenarioFailed',
      object,
      dto.status === 'passed'
        ? `Scenario ${dto.name} passed: ${expectations} of ${expectations} expectations held (run ${dto.id})`
        : `Scenario ${dto.name} failed (run ${dto.id}): ${dto.message}`,
    );
  }
}

/** One step as the timeline prints it: `run 3f9c2a1b +8.0s expect …: held (…)`. */
function stepLine(id: string, s: StepResult): string {
  const at = `+${(s.started_ms / 1000).toFixed(1)}s`;
  const outcome =
    s.result === 'held'
      ? `: held (${s.seen})`
      : s.result === 'failed'
        ? `: FAILED, ${s.seen !== undefined ? `saw ${s.seen}` : s.error}`
        : '';
  return `run ${id} ${at} ${s.kind === 'expect' ? 'expect ' : ''}${s.what}${outcome}`;
}
