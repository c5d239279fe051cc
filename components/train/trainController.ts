/**
 * What the training lab's buttons do, and how a run's events reach the page. It lives outside React — a run
 * outlives any render, and its events arrive from the engine worker at their own pace — and it writes only
 * to the training store; the components call it and draw the store.
 */
import type { OpenedRun } from '../../engine/train/session';
import type { DoneEvent, TrainEvent } from '../../engine/train/trainer';
import { currentLocale, currentMessages, fill, numberFormat } from '../../i18n/locale';
import { engineWorker, proxy } from '../../workers/engineClient';
import { errorMessage } from '../ui/errorMessage';
import { saveFile } from '../ui/saveFile';
import { downloadPng } from '../charts/figureExport';
import { cardLines, cardSvg } from './ExperimentCards';
import { backendLabel, SAMPLE_COUNT, TRAIN_BATCHES } from './trainDisplay';
import { activeRuns, runConfig, settingsOf, validateSettings } from './trainSettings';
import { emptyRun, RunId, useTrainStore, withEvents } from './trainStore';

/** How often a run's events are drawn (the charts must update at least twice a second). */
const DRAW_EVERY_MS = 250;

/** Per slot: identifies the page's current run there, so late events from a replaced run are ignored. */
const runTokens: Record<RunId, number> = { a: 0, b: 0 };

const store = () => useTrainStore.getState();

/** A saved run's time and a step number, in the page's language. */
const timeFormat = (iso: string) => new Date(iso).toLocaleString(currentLocale(), { dateStyle: 'medium', timeStyle: 'short' });
const stepFormat = (step: number) => numberFormat(currentLocale()).number(step);

async function refreshInspect(id: RunId) {
  const worker = engineWorker();
  const samples = await worker.samplePredictions(id, SAMPLE_COUNT);
  const confusion = await worker.confusionMatrix(id);
  const filters = await worker.firstFilters(id);
  store().setRun(id, { ...(samples ? { samples } : {}), ...(confusion ? { confusion } : {}), ...(filters ? { filters } : {}) });
}

export function pauseAll(): void {
  for (const id of activeRuns(store().settings)) void engineWorker().pause(id);
  store().set({ phase: 'paused' });
}

/**
 * Before the page is left by a full load (another language): a running training pauses, and the page
 * waits until each active run's paused state is saved, so the reloaded lab finds it exactly there.
 */
export function pauseAndSave(): Promise<void> {
  // Not training, or not saved in this tab at all (another tab keeps the runs): nothing to wait for.
  if (store().phase !== 'training' || store().storageNote !== null) return Promise.resolve();
  pauseAll();
  const saved = () => {
    const s = store();
    return activeRuns(s.settings).every((id) => s.runs[id].savedStep === s.runs[id].step || s.runs[id].saveProblem !== null);
  };
  if (saved()) return Promise.resolve();
  return new Promise((resolve) => {
    // A step in flight when the pause arrives still lands: wait for the save of the step the run stops at.
    const stop = useTrainStore.subscribe(() => {
      if (!saved()) return;
      stop();
      resolve();
    });
  });
}

/**
 * Tells the learner away from the tab (when they asked, and the browser allows it): a run ended or faulted.
 * `Notification` is a page API: it stays out of the engine.
 */
function notify(body: string) {
  if (!store().notify || typeof Notification !== 'function' || Notification.permission !== 'granted') return;
  try {
    new Notification(currentMessages().lab.attention.notificationTitle, { body, tag: 'sparse-cnn-lab-run' });
  } catch {
    // Some browsers only show notifications from a service worker: the page says it all anyway.
  }
}

/** Asks the browser to allow notifications (a click's answer), and remembers the learner's wish. */
export async function askToNotify(wanted: boolean): Promise<void> {
  if (!wanted || typeof Notification !== 'function') {
    store().set({ notify: false });
    return;
  }
  const permission = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
  store().set({ notify: permission === 'granted' });
}

/** The page's phase once a slot's run has ended: done when every active run has. */
function settle(id: RunId, done: DoneEvent) {
  store().setRun(id, { finished: true });
  const all = activeRuns(store().settings).every((r) => store().runs[r].finished);
  if (!all) return;
  store().set({ phase: done.stopped ? 'ready' : 'done' });
  if (!done.stopped) {
    const format = numberFormat(currentLocale());
    notify(fill(currentMessages().lab.attention.finished, { accuracy: format.percent(done.testAccuracy, 1), epochs: format.number(done.epochs) }));
  }
}

/** Events that change what the learner waits for (a pause, a fault, the end, a save): drawn at once. */
const BATCHED_EVENTS = new Set<TrainEvent['event']>(['step', 'stats', 'prune', 'eval', 'weights', 'checkpoint']);

/** Follows a run in a slot: applies its events, refreshes its inspect views, settles the phase at the end. */
async function follow(id: RunId, call: (onEvents: (events: TrainEvent[]) => void) => Promise<DoneEvent>) {
  const token = ++runTokens[id];
  // Events are drawn in groups, a few times a second: enough for live charts, little work for the page.
  let queue: TrainEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  const apply = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const events = queue;
    queue = [];
    if (token !== runTokens[id] || events.length === 0) return;
    store().applyEvents(id, events);
    // A diverged run makes the comparison meaningless: pause them all, and say why.
    const fault = events.find((e) => e.event === 'fault');
    if (fault) {
      pauseAll();
      notify(fill(currentMessages().lab.attention.faulted, { message: fault.message }));
    }
    if (events.some((e) => e.event === 'eval')) void refreshInspect(id);
  };
  const onEvents = (events: TrainEvent[]) => {
    if (token !== runTokens[id]) return;
    queue.push(...events);
    if (events.some((e) => !BATCHED_EVENTS.has(e.event))) apply();
    else timer ??= setTimeout(apply, DRAW_EVERY_MS);
  };
  try {
    const done = await call(proxy(onEvents));
    apply();
    if (token !== runTokens[id]) return; // replaced while it finished
    void refreshInspect(id);
    settle(id, done);
  } catch (error) {
    if (token === runTokens[id]) {
      store().setRun(id, { finished: true });
      store().set({ phase: 'ready', runError: errorMessage(error) });
    }
  }
}

/** Shows an opened checkpoint's history in its slot and follows the run (it starts paused). */
function showOpened(id: RunId, opened: OpenedRun) {
  store().setRun(id, { ...withEvents(emptyRun(), opened.history), savedStep: opened.step });
  void follow(id, (onEvents) => engineWorker().continueRun(id, onEvents));
  void refreshInspect(id);
}

let persistenceAsked = false;
/**
 * Asks the browser once to keep this site's storage under pressure (it may decide by itself, or ask the
 * learner), so that saved runs are not evicted. Only pages can ask, not workers.
 */
function askForPersistentStorage() {
  if (persistenceAsked) return;
  persistenceAsked = true;
  void navigator.storage?.persist?.().catch(() => false);
}

/** After the data is ready: brings back the runs this browser saved, paused where they were. */
async function restoreSaved(): Promise<void> {
  const worker = engineWorker();
  const storageNote = await worker.storageNote();
  if (storageNote) {
    // Another tab keeps the saved runs: nothing to restore here, and this tab will not save over them.
    store().set({ storageNote });
    return;
  }
  const opened: Partial<Record<RunId, OpenedRun>> = {};
  for (const id of ['a', 'b'] as const) {
    try {
      const run = await worker.restoreSaved(id);
      if (run) opened[id] = run;
    } catch (error) {
      store().set({ notice: { kind: 'error', text: fill(currentMessages().lab.problems.restore, { error: errorMessage(error) }) } });
    }
  }
  if (!opened.a) {
    if (opened.b) void worker.discard('b'); // a pruned run without its dense partner: nothing to compare
    return;
  }
  store().setSettings(settingsOf(opened.a.config, opened.b?.config ?? null));
  store().set({ phase: 'paused' });
  showOpened('a', opened.a);
  if (opened.b) showOpened('b', opened.b);
  const notices = currentMessages().lab.notices;
  const values = { time: timeFormat(opened.a.savedAt), step: stepFormat(opened.a.step), step2: opened.b ? stepFormat(opened.b.step) : '' };
  store().set({ notice: { kind: 'info', text: fill(opened.b ? notices.restoredTwo : notices.restoredOne, values) } });
}

/** Loads the data installed beside the app (npm run data), if any, then the saved runs. */
export async function loadInstalled(): Promise<void> {
  const { set } = store();
  const worker = engineWorker();
  try {
    if (!(await worker.installedDataAvailable())) {
      set({ phase: 'no-data' });
      return;
    }
    set({ phase: 'loading-installed', dataProgress: { fraction: 0, message: currentMessages().lab.loading.data } });
    const summary = await worker.loadInstalled(
      TRAIN_BATCHES,
      proxy((p) => set({ dataProgress: p })),
    );
    set({ phase: 'ready', data: summary, dataProgress: null, dataError: null });
    await restoreSaved();
  } catch (error) {
    set({ phase: 'no-data', dataProgress: null, dataError: fill(currentMessages().lab.problems.installed, { error: errorMessage(error) }) });
  }
}

/** Loads the data from a file the learner chose (the official archive), then the saved runs. */
export async function loadFile(file: File): Promise<void> {
  const { set } = store();
  set({ phase: 'loading-file', dataError: null, dataProgress: { fraction: 0, message: fill(currentMessages().lab.loading.reading, { name: file.name }) } });
  try {
    const summary = await engineWorker().loadArchive(
      file,
      TRAIN_BATCHES,
      proxy((p) => set({ dataProgress: p })),
    );
    set({ phase: 'ready', data: summary, dataProgress: null });
    await restoreSaved();
  } catch (error) {
    set({ phase: 'no-data', dataProgress: null, dataError: fill(currentMessages().lab.problems.file, { error: errorMessage(error) }) });
  }
}

/**
 * Loads the training images the settings ask for beyond those at hand, with progress. False when they
 * could not be loaded (the page says why; the images already loaded stay).
 */
async function loadWantedImages(): Promise<boolean> {
  const { settings, data, set } = store();
  const wanted = Number(settings.trainSet);
  if (!data || data.trainImages >= wanted) return true;
  const m = currentMessages().lab;
  const n = numberFormat(currentLocale()).number(wanted);
  set({ phase: 'loading-more', runError: null, dataProgress: { fraction: 0, message: fill(m.controls.loadingMore, { n }) } });
  try {
    const summary = await engineWorker().loadTrainImages(
      wanted,
      proxy((p) => set({ dataProgress: p })),
    );
    set({ phase: 'ready', data: summary, dataProgress: null });
    return true;
  } catch (error) {
    const loaded = numberFormat(currentLocale()).number(data.trainImages);
    set({ phase: 'ready', dataProgress: null, runError: fill(m.problems.loadMore, { error: errorMessage(error), n: loaded }) });
    return false;
  }
}

/** Starts the run (or the two runs) the settings describe — after loading the images they need — or names the first bad setting. */
export async function start(): Promise<void> {
  const problem = validateSettings(store().settings, currentMessages().lab.problems);
  if (problem) {
    store().set({ runError: problem });
    return;
  }
  if (!(await loadWantedImages())) return;
  const s = store();
  s.clearRuns();
  s.set({ phase: 'training', notice: null });
  askForPersistentStorage();
  if (!s.settings.compare) void engineWorker().discard('b');
  for (const id of activeRuns(s.settings)) {
    const config = runConfig(s.settings, id, s.data?.trainImages ?? 10000);
    void follow(id, (onEvents) => engineWorker().train(id, config, onEvents));
  }
}

export function resume(): void {
  for (const id of activeRuns(store().settings)) void engineWorker().resume(id);
  store().set({ phase: 'training', notice: null });
}

/** One batch on every active run (while paused). */
export function stepOnce(): void {
  for (const id of activeRuns(store().settings)) void engineWorker().stepOnce(id);
}

/** Forgets the runs, here and in the browser's storage. */
export async function reset(): Promise<void> {
  for (const id of ['a', 'b'] as const) runTokens[id]++;
  store().clearRuns();
  store().set({ notice: null });
  // Ready once the saved copies are gone too, so a reload right after finds nothing.
  await Promise.all((['a', 'b'] as const).map((id) => engineWorker().discard(id)));
  store().set({ phase: 'ready' });
}

/** Runs one file operation at a time, with the page's buttons disabled meanwhile. */
async function whileBusy(work: () => Promise<void>): Promise<void> {
  store().set({ busy: true });
  try {
    await work();
  } finally {
    store().set({ busy: false });
  }
}

export function exportRun(id: RunId, kind: 'checkpoint' | 'onnx'): Promise<void> {
  return whileBusy(async () => {
    try {
      const s = store();
      const name = `sparse-cnn-lab-${s.settings.preset}${s.settings.compare ? (id === 'a' ? '-dense' : '-pruned') : ''}-step${s.runs[id].step}`;
      if (kind === 'checkpoint') saveFile(await engineWorker().exportCheckpoint(id), `${name}.scnn`);
      else saveFile(await engineWorker().exportOnnx(id), `${name}.onnx`);
    } catch (error) {
      store().set({ notice: { kind: 'error', text: fill(currentMessages().lab.problems.export, { error: errorMessage(error) }) } });
    }
  });
}

/**
 * The run's experiment card: the JSON file, or its printable picture (the card's lines and its accuracy
 * curve, drawn here from the engine's numbers).
 */
export function exportCard(id: RunId, kind: 'json' | 'png'): Promise<void> {
  return whileBusy(async () => {
    try {
      const s = store();
      const { card, text } = await engineWorker().experimentCard(id);
      const name = `sparse-cnn-lab-card-${s.settings.preset}${s.settings.compare ? (id === 'a' ? '-dense' : '-pruned') : ''}-step${s.runs[id].step}`;
      if (kind === 'json') {
        saveFile(new Blob([text], { type: 'application/json' }), `${name}.json`);
        return;
      }
      const m = currentMessages().lab;
      const svg = cardSvg(
        card,
        cardLines(card, m.cards, (b) => backendLabel(b, m.controls)),
        m.cards.title,
      );
      svg.style.position = 'absolute';
      svg.style.width = '0';
      document.body.append(svg); // its styles resolve only in the page
      try {
        await downloadPng(svg, `${name}.png`);
      } finally {
        svg.remove();
      }
    } catch (error) {
      store().set({ notice: { kind: 'error', text: fill(currentMessages().lab.problems.export, { error: errorMessage(error) }) } });
    }
  });
}

/** Opens a checkpoint file in a slot: validated by the engine, refused with the reason, nothing lost. */
export function importRun(id: RunId, file: File): Promise<void> {
  return whileBusy(async () => {
    const s = store();
    try {
      const opened = await engineWorker().importCheckpoint(id, file);
      if (id === 'a' && !s.settings.compare) s.setSettings(settingsOf(opened.config, null));
      if (store().phase !== 'training') s.set({ phase: 'paused' });
      showOpened(id, opened);
      s.set({
        notice: {
          kind: 'info',
          text: fill(currentMessages().lab.notices.opened, { name: file.name, step: stepFormat(opened.step), time: timeFormat(opened.savedAt) }),
        },
      });
    } catch (error) {
      s.set({ notice: { kind: 'error', text: fill(currentMessages().lab.problems.import, { error: errorMessage(error) }) } });
    }
  });
}

/** Back to the last good checkpoint after a fault: the charts forget what came after it. */
export async function rollback(id: RunId): Promise<void> {
  const step = await engineWorker().rollback(id);
  store().truncateTo(id, step);
}
