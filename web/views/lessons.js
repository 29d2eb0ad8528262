// @ts-check
// The lessons panel: the lessons the server ships (GET /scenarios/lessons), one started
// with POST /scenarios, and its run followed to its end. The run's ScenarioStarted,
// ScenarioStep, ScenarioPassed and ScenarioFailed events on the live stream say when to
// read it again (GET /scenarios/:id, which holds every step and the failure's message);
// while it runs it is also read with each page refresh, in case the stream was away.
import { api } from '../api.js';
import { $, $of, coalesce, fill, h, setAttr, setText, toast } from '../dom.js';

const SCENARIO_EVENT = /^Scenario(Started|Step|Passed|Failed)$/;
const RELOAD_DELAY_MS = 150;

/** @type {import('../types').Lesson[]} */
let lessons = [];
/** @type {import('../types').ScenarioRun | null} the run shown: GET /scenarios/:id's answer */
let run = null;

function describe() {
  const lesson = lessons.find((l) => l.name === $of(HTMLSelectElement, '#lesson-select').value);
  setText($('#lesson-description'), lesson?.description ?? '');
}

/** @param {import('../types').ScenarioStep} step */
function stepLine(step) {
  const outcome =
    step.result === 'held'
      ? `: held${step.seen ? ` (${step.seen})` : ''}`
      : step.result === 'failed'
        ? `: failed, ${step.seen !== undefined ? `saw ${step.seen}` : (step.error ?? '')}`
        : '';
  return `${step.kind === 'expect' ? 'expect ' : ''}${step.what}${outcome}`;
}

function render() {
  const panel = $('#lesson-run');
  panel.hidden = !run;
  if (!run) return;
  setAttr(panel, 'data-status', run.status);
  setAttr(panel, 'data-run-id', run.id);
  setText($('#lesson-run-name'), run.name);
  const status = $('#lesson-run-status');
  setText(status, run.status);
  setAttr(status, 'class', `badge status-lesson-${run.status}`);
  const expects = run.steps.filter((s) => s.kind === 'expect');
  const held = expects.filter((s) => s.result === 'held').length;
  setText(
    $('#lesson-run-summary'),
    `run ${run.id} · seed ${run.seed} · ${run.steps.length} steps played · ${held} of ${expects.length} expectations held`,
  );
  const message = $('#lesson-message');
  message.hidden = !run.message;
  setText(message, run.message ?? '');
  const list = $('#lesson-steps');
  if (list.dataset.count === String(run.steps.length) && list.dataset.run === run.id) return;
  list.dataset.count = String(run.steps.length);
  list.dataset.run = run.id;
  fill(
    list,
    ...run.steps
      .slice()
      .reverse()
      .map((step) =>
        h(
          'li',
          {
            'data-testid': 'lesson-step',
            'data-kind': step.kind,
            'data-result': step.result,
            class: step.result === 'failed' ? 'tl-warning-text' : '',
          },
          h('span', { class: 'mono muted' }, `+${(step.started_ms / 1000).toFixed(1)}s`),
          ' ',
          h('strong', {}, `step ${step.step}`),
          ` ${stepLine(step)}`,
        ),
      ),
  );
}

/** Reads a run again; `adopt` shows another run in its place unless one is being followed. */
async function reload(id = run?.id, { adopt = false } = {}) {
  if (!id) return;
  try {
    const fresh = await api.scenarioRun(id);
    // a start from this page may have taken the panel meanwhile
    const other = run !== null && run.id !== fresh.id;
    if (run !== null && other && (!adopt || run.status === 'running')) return;
    run = fresh;
    render();
  } catch (err) {
    if (err.status === 404) {
      run = null;
      render();
    }
  }
}

const reloadSoon = coalesce(() => reload(), RELOAD_DELAY_MS);

/** @param {HTMLButtonElement} button */
async function start(button) {
  const lesson = $of(HTMLSelectElement, '#lesson-select').value;
  if (!lesson) return;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    run = await api.startLesson(lesson);
    render();
    toast(`Lesson ${lesson} started`);
  } catch (err) {
    toast(err.message || String(err), 'error');
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/**
 * An event from the live stream: the run shown (or a new one, when none runs) moved on.
 * @param {import('../types').ClusterEvent} ev
 */
export function noteScenarioEvent(ev) {
  if (!SCENARIO_EVENT.test(ev?.reason ?? '')) return;
  const following = run !== null && run.status === 'running';
  if (run !== null && following && String(ev.message ?? '').includes(`run ${run.id}`)) reloadSoon();
  else if (!following && ev.reason === 'ScenarioStarted') {
    // started elsewhere (the CLI, Swagger UI, another tab): shown while nothing else runs
    const id = /\(run ([0-9a-f]+)[,)]/.exec(ev.message ?? '')?.[1];
    if (id) reload(id, { adopt: true });
  }
}

/** With each page refresh: a run still going is read again. */
export function refreshLessons() {
  if (run?.status === 'running') reload();
}

export async function initLessonsView() {
  const select = $('#lesson-select');
  select.addEventListener('change', describe);
  const startButton = $of(HTMLButtonElement, '#lesson-start');
  startButton.addEventListener('click', () => start(startButton));
  try {
    lessons = (await api.lessons()) ?? [];
  } catch (err) {
    setText($('#lesson-description'), `Cannot load the lessons: ${err.message}`);
    return;
  }
  fill(select, ...lessons.map((l) => h('option', { value: l.name }, l.name)));
  $of(HTMLButtonElement, '#lesson-start').disabled = lessons.length === 0;
  if (!lessons.length) setText($('#lesson-description'), 'This server ships no lessons.');
  else describe();
  // the newest run, so a reload of the page still shows where it is
  const [latest] = await api.scenarioRuns().catch(() => []);
  if (latest && !run) {
    run = latest;
    render();
  }
}
