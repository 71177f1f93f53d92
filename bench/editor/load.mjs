// Times the editor's first load in headless Chromium, each run in a fresh browser
// context (empty cache, no cookies), against a running server:
//   node load.mjs BASE_URL EMAIL PASSWORD [RUNS]
// Prints, per step, the median and the slowest of RUNS runs, and the bytes the
// first screen transferred (compressed, as sent).
import { chromium } from 'playwright-core';

const [base, email, password, runsArg = '10'] = process.argv.slice(2);
const runs = Number(runsArg);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });

const steps = { 'sign-in screen ready': [], 'signed in, therapies listed': [], 'therapy page drawn': [] };
let transferred = 0;
for (let run = 0; run < runs; run += 1) {
  const context = await browser.newContext();
  const page = await context.newPage();
  let bytes = 0;
  page.on('response', async (response) => {
    const length = Number(response.headers()['content-length'] || 0);
    if (length) bytes += length;
    else bytes += (await response.body().catch(() => Buffer.alloc(0))).length;
  });
  let started = Date.now();
  await page.goto(`${base}/editor/`);
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  steps['sign-in screen ready'].push(Date.now() - started);
  if (run === 0) transferred = bytes;

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  started = Date.now();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Prolotherapy' }).waitFor();
  steps['signed in, therapies listed'].push(Date.now() - started);

  started = Date.now();
  await page.getByRole('link', { name: 'Prolotherapy' }).click();
  await page.locator('ul.items[data-kind=faqs] > li').first().waitFor();
  steps['therapy page drawn'].push(Date.now() - started);
  await context.close();
}
await browser.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`| step (${runs} cold runs) | median | slowest |`);
console.log('| --- | ---: | ---: |');
for (const [name, times] of Object.entries(steps)) {
  console.log(`| ${name} | ${median(times)} ms | ${Math.max(...times)} ms |`);
}
console.log(`\nfirst screen transferred: ${(transferred / 1024).toFixed(1)} KiB (compressed, every request until the sign-in form)`);
