// The official Node SDK against `--auth strict`: V3 (ACS3-HMAC-SHA256) and V1 (HMAC-SHA1) requests
// signed with a fixtures key pass the stricter checks (nonce required, host and every x-acs-* header
// signed, body hash verified), and a wrong secret is SignatureDoesNotMatch. This file starts its own
// strict emulator: the binary is IBE_BIN, default <repo>/target/debug/ecs-imagebuilder-emulator.
//
// Run: node --test   (scripts/clients.sh runs every test file of tests/node)

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import ecs, { CreateImagePipelineRequest, DescribeImagePipelinesRequest } from '@alicloud/ecs20140526';
import { $OpenApiUtil, ClientError } from '@alicloud/openapi-core';

const Client = ecs.default;
const REPO = resolve(fileURLToPath(import.meta.url), '../../..');
const BIN = process.env.IBE_BIN || join(REPO, 'target/debug/ecs-imagebuilder-emulator');
const KEY_ID = 'LTAI5tNodeStrict';
const SECRET = 'node-strict-secret';
const REGION = 'cn-hangzhou';
const BASE_IMAGE = 'aliyun_3_x64_20G_alibase_20240819.vhd';

let server;
let endpoint;
let dir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ibe-node-strict-'));
  const fixtures = join(dir, 'keys.json');
  writeFileSync(fixtures, JSON.stringify({ access_keys: [{ id: KEY_ID, secret: SECRET, account: '4444555566667777' }] }));
  server = spawn(BIN, ['--listen', '127.0.0.1:0', '--db', join(dir, 'emu.db'), '--phase-duration', '0', '--auth', 'strict', '--fixtures', fixtures], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  endpoint = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error('the strict emulator did not start within 20 s')), 20000);
    let text = '';
    server.stdout.on('data', (chunk) => {
      text += chunk;
      const match = /listening on http:\/\/(127\.0\.0\.1:\d+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolvePort(match[1]);
      }
    });
    server.on('exit', (code) => reject(new Error(`the strict emulator exited with ${code}`)));
  });
});

after(() => {
  server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function client(secret, extra = {}) {
  return new Client(new $OpenApiUtil.Config({ accessKeyId: KEY_ID, accessKeySecret: secret, endpoint, protocol: 'http', regionId: REGION, ...extra }));
}

for (const [mode, extra] of [['ACS3-HMAC-SHA256 (default)', {}], ["HMAC-SHA1 (signatureAlgorithm 'v2')", { signatureAlgorithm: 'v2' }]]) {
  describe(`Node SDK under --auth strict, ${mode}`, () => {
    test('a signed create and describe pass', async () => {
      const name = `node-strict-${Math.random().toString(16).slice(2, 10)}`;
      const created = await client(SECRET, extra).createImagePipeline(
        new CreateImagePipelineRequest({ regionId: REGION, baseImageType: 'IMAGE', baseImage: BASE_IMAGE, name }),
      );
      const id = created.body.imagePipelineId;
      const listed = await client(SECRET, extra).describeImagePipelines(new DescribeImagePipelinesRequest({ regionId: REGION, imagePipelineId: [id] }));
      assert.deepEqual(listed.body.imagePipeline.imagePipelineSet.map((p) => p.name), [name]);
    });

    test('a wrong secret is SignatureDoesNotMatch', async () => {
      await assert.rejects(
        client('not-the-secret', extra).describeImagePipelines(new DescribeImagePipelinesRequest({ regionId: REGION })),
        (err) => err instanceof ClientError && err.code === 'SignatureDoesNotMatch' && err.statusCode === 400,
      );
    });
  });
}
