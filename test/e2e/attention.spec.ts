/**
 * Long runs away from the tab, in both languages: the progress bar says how long it has trained and how
 * long is left, the tab's title carries the progress, a notification (allowed here) says when a run
 * faults, Space pauses and resumes, N trains one batch, ? lists the shortcuts; the curves' smoothing is a
 * slider, and every chart reads out its exact values under the pointer or the arrow keys.
 */
import { expect, Page, test } from '@playwright/test';
import { openTrainingPage, watchErrors } from './fixtures';

const texts = {
  en: {
    path: '/train/',
    progress: /^\d+ (s|min \d+ s) of training · about \d+ (s|min \d+ s|h \d+ min) to go$/,
    training: 'training',
    paused: 'paused',
    title: /^\d+% · training — /,
    shortcuts: 'Keyboard shortcuts',
    readout: /^Values at step (\d+)/,
    loss: /loss: ([\d.]+)/,
    smoothedLoss: /loss \(smoothed\): ([\d.]+)/,
    fault: /learning rate \(1000000000000\) is probably too high/,
  },
  'zh-CN': {
    path: '/zh-CN/train/',
    progress: /^已训练 \d+ (秒|分 \d+ 秒) · 约还需 \d+ (秒|分 \d+ 秒|小时 \d+ 分)$/,
    training: '训练中',
    paused: '已暂停',
    title: /^\d+%，训练中 — /,
    shortcuts: '键盘快捷键',
    readout: /^步 (\d+) 处的数值/,
    loss: /损失: ([\d.]+)/,
    smoothedLoss: /损失（平滑）: ([\d.]+)/,
    fault: /学习率（1000000000000）/,
  },
};

const step = async (page: Page) => Number((await page.getByTestId('step').innerText()).replace(/\D/g, ''));

for (const [lang, t] of Object.entries(texts)) {
  test(`${lang}: a long run keeps the learner informed — time left, tab title, notification, keys, smoothing, read-outs`, async ({ page, context }) => {
    test.setTimeout(180_000);
    const errors = watchErrors(page);
    // Notifications are allowed here; each one is recorded instead of shown.
    await context.grantPermissions(['notifications']);
    await page.addInitScript(() => {
      const shown: { title: string; body?: string }[] = [];
      (window as unknown as { notifications: typeof shown }).notifications = shown;
      class RecordedNotification {
        static permission: NotificationPermission = 'granted';
        static requestPermission = async () => 'granted' as NotificationPermission;
        constructor(title: string, options?: NotificationOptions) {
          shown.push({ title, body: options?.body });
        }
      }
      (window as unknown as { Notification: unknown }).Notification = RecordedNotification;
    });
    await openTrainingPage(page, { path: t.path });
    await page.getByTestId('preset').selectOption('tiny');
    await page.getByTestId('workers').selectOption('1');
    await page.getByTestId('notify').check();
    await expect(page.getByTestId('notify')).toBeChecked();
    const baseTitle = await page.title();

    await page.getByTestId('start').click();
    await expect.poll(() => step(page), { timeout: 60_000 }).toBeGreaterThan(20);
    await expect(page.getByTestId('progress-time')).toHaveText(t.progress);
    await expect.poll(() => page.title()).toMatch(t.title);

    // Space pauses (not a scroll), N trains one batch, Space resumes — with nothing focused.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Space');
    await expect(page.getByTestId('phase')).toHaveText(t.paused);
    await expect.poll(() => page.title()).toContain(t.paused);
    await page.waitForTimeout(400); // a batch in flight may still land
    const pausedAt = await step(page);
    await page.keyboard.press('n');
    await expect.poll(() => step(page)).toBe(pausedAt + 1);

    // The read-out: with smoothing 0 the smoothed loss is the loss itself, with 0.99 it is not.
    await page.getByTestId('smoothing').fill('0');
    await expect(page.getByTestId('smoothing-value')).toHaveText('0.00');
    const chart = page.getByTestId('loss-chart').locator('svg');
    await chart.scrollIntoViewIfNeeded(); // charts draw once on screen
    await expect(chart.locator('path.series').first()).toHaveAttribute('d', /M/);
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width - 18, box.y + box.height / 2);
    const readout = page.getByTestId('loss-chart-readout');
    await expect(readout).toHaveText(t.readout);
    const values = async () => {
      const text = await readout.innerText();
      return { at: Number(t.readout.exec(text)![1]), loss: Number(t.loss.exec(text)![1]), smoothed: Number(t.smoothedLoss.exec(text)![1]) };
    };
    const flat = await values();
    expect(flat.smoothed).toBe(flat.loss);
    await page.getByTestId('smoothing').fill('0.99');
    await expect.poll(async () => (await values()).smoothed).not.toBe(flat.loss);
    // From the keyboard: the focused chart steps back one point at a time.
    await page.getByTestId('loss-chart').locator('.chart-body').focus();
    await page.keyboard.press('End');
    const end = (await values()).at;
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => (await values()).at).toBe(end - 1);
    await page.keyboard.press('Escape');
    await expect(readout).toHaveCount(0);

    // ? lists the shortcuts; Escape closes the list.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('?');
    await expect(page.getByTestId('shortcuts')).toBeVisible();
    await expect(page.getByRole('heading', { name: t.shortcuts, exact: true })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('shortcuts')).toBeHidden();

    // Focus goes back where it was (nowhere) once the list has closed; then Space resumes.
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('BODY');
    await page.keyboard.press('Space');
    await expect(page.getByTestId('phase')).toHaveText(t.training);
    await page.getByTestId('reset').click();
    await expect.poll(() => page.title()).toBe(baseTitle);

    // A run that faults says so in a notification too.
    await page.getByTestId('optimizer').selectOption('sgd');
    await page.getByTestId('learning-rate').fill('1e12');
    await page.getByTestId('start').click();
    await expect(page.getByTestId('fault-banner')).toBeVisible({ timeout: 60_000 });
    const shown = await page.evaluate(() => (window as unknown as { notifications: { title: string; body?: string }[] }).notifications);
    expect(shown).toHaveLength(1);
    expect(shown[0].title).toBe('Sparse CNN Lab');
    expect(shown[0].body).toMatch(t.fault);
    await page.getByTestId('reset').click();
    expect(errors).toEqual([]);
  });
}
