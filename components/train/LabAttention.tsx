'use client';
/**
 * What keeps a long run in view and in reach: the curves' smoothing, a notification when a run ends or
 * faults (if the learner asks and the browser allows), the progress in the tab's title, and the keyboard —
 * Space pauses and resumes, N trains one batch while paused, ? lists the shortcuts.
 */
import { useEffect, useRef } from 'react';
import { fill, useMessages, useNumberFormat, currentMessages, currentLocale, numberFormat } from '../../i18n/locale';
import { useBrowserValue } from '../ui/useBrowserValue';
import { askToNotify, pauseAll, resume, stepOnce } from './trainController';
import { activeRuns } from './trainSettings';
import { useTrainStore } from './trainStore';

/** The smoothing slider, the notification switch and the shortcuts button, above the charts. */
export function ChartOptions() {
  const m = useMessages().lab.attention;
  const format = useNumberFormat();
  const smoothing = useTrainStore((s) => s.smoothing);
  const notify = useTrainStore((s) => s.notify);
  const permission = useBrowserValue<NotificationPermission | 'unsupported'>(
    () => (typeof Notification === 'function' ? Notification.permission : 'unsupported'),
    'unsupported',
  );
  const set = useTrainStore.getState().set;
  return (
    <div className="chart-options panel" data-testid="chart-options">
      <label className="smoothing" title={m.smoothingHelp}>
        {m.smoothing}
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={smoothing}
          onChange={(e) => set({ smoothing: Number(e.target.value) })}
          aria-describedby="smoothing-help"
          data-testid="smoothing"
        />
        <output data-testid="smoothing-value">{format.number(smoothing, 2)}</output>
      </label>
      <span id="smoothing-help" className="sr-only">
        {m.smoothingHelp}
      </span>
      {permission !== 'unsupported' && (
        <label className="checkbox">
          <input
            type="checkbox"
            checked={notify}
            disabled={permission === 'denied'}
            onChange={(e) => void askToNotify(e.target.checked)}
            data-testid="notify"
          />
          {m.notify}
        </label>
      )}
      {permission === 'denied' && <span className="hint">{m.notifyBlocked}</span>}
      <button type="button" className="button" onClick={() => set({ shortcutsOpen: true })} aria-keyshortcuts="?" data-testid="shortcuts-button">
        {m.shortcuts} <kbd>?</kbd>
      </button>
      <ShortcutsDialog />
    </div>
  );
}

function ShortcutsDialog() {
  const m = useMessages().lab.attention;
  const open = useTrainStore((s) => s.shortcutsOpen);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={dialog}
      className="shortcuts"
      aria-labelledby="shortcuts-title"
      onClose={() => useTrainStore.getState().set({ shortcutsOpen: false })}
      data-testid="shortcuts"
    >
      <h2 id="shortcuts-title">{m.shortcutsTitle}</h2>
      <dl>
        {m.keys.map(({ key, what }) => (
          <div key={key}>
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <form method="dialog">
        <button type="submit" className="button primary">
          {m.close}
        </button>
      </form>
    </dialog>
  );
}

/** Keys typed into a field, or pressed on a control, belong to it. */
function belongsToControl(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON', 'A', 'SUMMARY', 'DIALOG'].includes(target.tagName);
}

/** The lab's keyboard shortcuts, and its progress in the tab's title: for as long as the lab is open. */
export function useLabAttention(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || belongsToControl(e.target)) return;
      const s = useTrainStore.getState();
      if (e.key === '?') {
        e.preventDefault();
        s.set({ shortcutsOpen: true });
      } else if (e.key === ' ' && (s.phase === 'training' || s.phase === 'paused')) {
        e.preventDefault(); // not a scroll
        if (s.phase === 'training') pauseAll();
        else if (!activeRuns(s.settings).some((id) => s.runs[id].fault)) resume();
      } else if ((e.key === 'n' || e.key === 'N') && s.phase === 'paused') {
        e.preventDefault();
        stepOnce();
      }
    };
    window.addEventListener('keydown', onKey);

    // The title follows the runs without re-rendering the page: a subscription, not a hook.
    const base = document.title;
    let shown = base;
    const showProgress = () => {
      const s = useTrainStore.getState();
      const ids = activeRuns(s.settings);
      const total = ids.reduce((n, id) => n + s.runs[id].totalSteps, 0);
      const live = (s.phase === 'training' || s.phase === 'paused') && total > 0;
      const m = currentMessages().lab;
      const title = live
        ? fill(m.attention.tabTitle, {
            percent: numberFormat(currentLocale()).percent(ids.reduce((n, id) => n + s.runs[id].step, 0) / total),
            status: s.phase === 'training' ? m.run.phases.training : m.run.phases.paused,
            title: base,
          })
        : base;
      if (title !== shown) document.title = shown = title;
    };
    const unsubscribe = useTrainStore.subscribe(showProgress);
    return () => {
      window.removeEventListener('keydown', onKey);
      unsubscribe();
      document.title = base;
    };
  }, []);
}
