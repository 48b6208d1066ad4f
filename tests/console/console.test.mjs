// End-to-end test of the web console in a real headless browser: Debian's Chromium (never a
// downloaded one) driven by playwright-core. Creates a template and starts a build through the API,
// watches the console's build list follow it to SUCCESS without a reload, opens its timeline, and
// finds the copied image in the target region. Also follows a failed call from the journal to its
// error, and checks keyboard access and a narrow window.
//
// Needs IBE_URL (a running emulator, started with a short --phase-duration) and CONSOLE_E2E_OUT
// (where screenshots go). scripts/console-e2e.sh sets both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.IBE_URL || 'http://127.0.0.1:8080';
const OUT = resolve(process.env.CONSOLE_E2E_OUT || 'target/console-e2e');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ACCOUNT = '1234567890123456';
const SHARE_ACCOUNT = '2234567890123456';
const REGION = 'cn-hangzhou';
const TARGET_REGION = 'cn-beijing';
const STEP_MS = 15_000;

let context;
let page;
let profile;

/** One API call (V1 style, Format=JSON) as ACCOUNT; returns [status, body]. */
async function api(action, params) {
  const query = new URLSearchParams({
    Action: action, Version: '2014-05-26', Format: 'JSON', AccessKeyId: ACCOUNT, RegionId: REGION, ...params,
  });
  const response = await fetch(`${BASE}/?${query}`, { signal: AbortSignal.timeout(5_000) });
  return [response.status, await response.json()];
}

function consoleUrl(path, region = REGION) {
  return `${BASE}/_emulator/console${path}?account=${ACCOUNT}&region=${region}`;
}

before(async () => {
  mkdirSync(OUT, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'ibe-console-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 20_000,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('a build is followed live to SUCCESS, its timeline drawn, its image found in the target region', { timeout: 50_000 }, async () => {
  const [created, template] = await api('CreateImagePipeline', {
    BaseImageType: 'IMAGE', BaseImage: 'aliyun_3_x64_20G_alibase_20240819.vhd', Name: 'web-console',
    'ImageOptions.ImageName': 'web', 'ToRegionId.1': TARGET_REGION, 'AddAccount.1': SHARE_ACCOUNT,
    'Tag.1.Key': 'team', 'Tag.1.Value': 'web',
    BuildContent: 'RUN echo hello > /etc/motd\nRUN useradd app\nUSER app\nRUN echo ready',
  });
  assert.equal(created, 200, JSON.stringify(template));
  const pipelineId = template.ImagePipelineId;

  // The templates page shows the template as the API stores it.
  await page.goto(consoleUrl('/templates'));
  const templateRow = page.locator(`tr[data-pipeline-id="${pipelineId}"]`);
  await templateRow.waitFor();
  const templateText = await templateRow.innerText();
  for (const expected of ['web-console', 'aliyun_3_x64_20G_alibase_20240819.vhd', TARGET_REGION, SHARE_ACCOUNT, 'team=web', 'never built']) {
    assert.ok(templateText.includes(expected), `template row lacks ${expected}: ${templateText}`);
  }

  // Open the build list first, then start the build: the list must pick it up and follow it.
  await page.goto(consoleUrl('/builds'));
  await page.locator('#builds tbody').waitFor();
  await page.evaluate(() => { window.__notReloaded = true; });
  let navigations = 0;
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) navigations += 1; });

  const [started, start] = await api('StartImagePipelineExecution', { ImagePipelineId: pipelineId });
  assert.equal(started, 200, JSON.stringify(start));
  const executionId = start.ExecutionId;
  const row = page.locator(`tr[data-execution-id="${executionId}"]`);
  await row.waitFor();
  const firstStatus = await row.getAttribute('data-status');
  assert.notEqual(firstStatus, 'SUCCESS', 'the list should see the build while it runs');
  const seen = new Set([firstStatus]);
  const deadline = Date.now() + 35_000;
  while ((await row.getAttribute('data-status')) !== 'SUCCESS') {
    assert.ok(Date.now() < deadline, `the build did not reach SUCCESS; saw ${[...seen].join(', ')}`);
    seen.add(await row.getAttribute('data-status'));
    await page.waitForTimeout(200);
  }
  assert.equal(await row.locator('.badge').innerText(), 'SUCCESS');
  assert.ok(seen.size >= 2, `the row should move through phases live; saw ${[...seen].join(', ')}`);
  assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was reloaded');
  assert.equal(navigations, 0, 'the page navigated while following the build');
  console.log(`# statuses seen live: ${[...seen].join(' -> ')} -> SUCCESS`);

  // The build's page: its timeline drawing and the accessible list of phases and steps.
  await row.getByRole('link', { name: executionId }).click();
  await page.waitForURL(`**/builds/${executionId}?**`);
  await page.locator('#build-status .badge', { hasText: 'SUCCESS' }).waitFor();
  await page.locator('.tl-chart[role="img"]').waitFor();
  for (const phase of ['PREPARING', 'BUILDING', 'DISTRIBUTING', 'RELEASING']) {
    assert.equal(await page.locator(`.tl-band.ph-${phase}`).count(), 1, `no ${phase} band`);
    assert.equal(await page.locator(`.phase-list .phase.ph-${phase}`).count(), 1, `no ${phase} in the step list`);
  }
  assert.ok(await page.locator('.tl-resource .tl-instance').count() >= 1, 'no transit instance bar');
  assert.ok(await page.locator('.tl-resource .tl-vpc').count() >= 1, 'no VPC bar');
  assert.ok(await page.locator('.phase-list time[datetime]').count() >= 8, 'steps carry <time> elements');
  const stepsText = await page.locator('.phase-list').innerText();
  assert.match(stepsText, /Create transition instance "i-[0-9a-z]+"/);
  assert.match(stepsText, /Run command 4\/4 \(line 4\): RUN echo ready success!/);
  assert.match(stepsText, /Copy image "m-[0-9a-z]+" to region "cn-beijing"/);
  const copyRow = page.locator('#build-images tbody tr', { hasText: TARGET_REGION });
  await copyRow.waitFor();
  const copyId = await copyRow.getAttribute('data-image-id');
  assert.match(copyId, /^m-/);
  assert.ok((await copyRow.innerText()).includes(SHARE_ACCOUNT), 'the copy is shared with the AddAccount');
  const shot = join(OUT, 'timeline.png');
  await page.screenshot({ path: shot });
  console.log(`# screenshot of the build timeline: ${shot}`);

  // The API agrees with what the page shows.
  const [, images] = await api('DescribeImages', { RegionId: TARGET_REGION, ImageOwnerAlias: 'self' });
  assert.deepEqual(images.Images.Image.map((i) => i.ImageId), [copyId]);

  // Images: switch the region with the scope form (keyboard only), find the copy and its origin.
  await page.getByRole('link', { name: 'Images', exact: true }).click();
  await page.locator('#images').waitFor();
  await page.locator('#scope-region').focus();
  await page.locator('#scope-region').selectOption(TARGET_REGION);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForURL(`**/images?**region=${TARGET_REGION}**`);
  const imageRow = page.locator(`#images tr[data-image-id="${copyId}"]`);
  await imageRow.waitFor();
  const imageText = await imageRow.innerText();
  for (const expected of [executionId, 'web-console', SHARE_ACCOUNT, 'this account']) {
    assert.ok(imageText.includes(expected), `image row lacks ${expected}: ${imageText}`);
  }
});

test('a failed call in the journal links to its error', { timeout: 20_000 }, async () => {
  const [status, body] = await api('CreateImagePipeline', {
    BaseImageType: 'IMAGE', BaseImage: 'aliyun_3_x64_20G_alibase_20240819.vhd', SystemDiskSize: '10',
  });
  assert.equal(status, 400);
  await page.goto(consoleUrl('/requests') + '&errors=true');
  const failed = page.locator(`tr[data-request-id="${body.RequestId}"]`);
  await failed.waitFor();
  await failed.getByRole('link', { name: `${body.Code} (400)` }).click();
  await page.waitForURL(`**/requests/${body.RequestId}?**`);
  await page.getByRole('heading', { name: `Error ${body.Code}` }).waitFor();
  assert.ok((await page.locator('main').innerText()).includes('SystemDiskSize'), 'the parameters are shown');
});

test('keyboard first, and readable in a narrow window', { timeout: 20_000 }, async () => {
  await page.goto(consoleUrl('/builds'));
  await page.locator('#builds tbody tr').first().waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.setViewportSize({ width: 390, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px at 390px`);
  await page.screenshot({ path: join(OUT, 'builds-narrow.png') });
  await page.setViewportSize({ width: 1280, height: 800 });
});
