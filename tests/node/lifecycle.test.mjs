// The official Node SDK (@alicloud/ecs20140526 on @alicloud/openapi-core) against a running emulator:
// one full lifecycle per signing mode (template -> build -> image copied to another region and
// shared with another account), an image component with tags set, listed and removed afterwards,
// the golden-image calls around a build (copy, share, tag, resource group, deprecate, family),
// and documented errors seen as ClientError with code and status.
//
// Run: IBE_ENDPOINT=127.0.0.1:PORT node --test   (scripts/clients.sh starts the emulator and does this)

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';

import ecs, {
  CancelImagePipelineExecutionRequest,
  CreateImageComponentRequest,
  CreateImageComponentRequestTag,
  CreateImagePipelineRequest,
  CreateImagePipelineRequestImageOptions,
  CreateImagePipelineRequestTag,
  DeleteImageComponentRequest,
  DeleteImagePipelineRequest,
  DeleteImageRequest,
  DescribeImageComponentsRequest,
  DescribeImagePipelineExecutionsRequest,
  DescribeImagePipelinesRequest,
  DescribeImageSharePermissionRequest,
  DescribeImagesRequest,
  CopyImageRequest,
  CopyImageRequestTag,
  DescribeImageFromFamilyRequest,
  DescribeTagsRequest,
  JoinResourceGroupRequest,
  ListTagResourcesRequest,
  ListTagResourcesRequestTag,
  ModifyImageAttributeRequest,
  ModifyImageSharePermissionRequest,
  StartImagePipelineExecutionRequest,
  TagResourcesRequest,
  TagResourcesRequestTag,
  UntagResourcesRequest,
} from '@alicloud/ecs20140526';
import { $OpenApiUtil, ClientError } from '@alicloud/openapi-core';

const Client = ecs.default;
const ENDPOINT = process.env.IBE_ENDPOINT;
const REGION = 'cn-hangzhou';
const TARGET_REGION = 'cn-beijing';
const BASE_IMAGE = 'aliyun_3_x64_20G_alibase_20240819.vhd';
const TERMINAL = new Set(['SUCCESS', 'PARTITION_SUCCESS', 'FAILED', 'TEST_FAILED', 'CANCELLED']);
const POLL_LIMIT_MS = 15_000;

if (!ENDPOINT) {
  throw new Error('set IBE_ENDPOINT=host:port of a running emulator (see scripts/clients.sh)');
}

// A 16-digit AccessKeyId is the account ID: each mode gets its own accounts.
function client(accountId, signatureAlgorithm) {
  const config = new $OpenApiUtil.Config({
    accessKeyId: accountId,
    accessKeySecret: 'any-secret',
    endpoint: ENDPOINT,
    protocol: process.env.IBE_SCHEME ?? 'http', // https with --tls; the CA from NODE_EXTRA_CA_CERTS
    regionId: REGION,
  });
  if (signatureAlgorithm) config.signatureAlgorithm = signatureAlgorithm;
  return new Client(config);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntilTerminal(owner, executionId) {
  const deadline = Date.now() + POLL_LIMIT_MS;
  for (;;) {
    const { body } = await owner.describeImagePipelineExecutions(
      new DescribeImagePipelineExecutionsRequest({ regionId: REGION, executionId }),
    );
    const item = body.imagePipelineExecution.imagePipelineExecutionSet[0];
    if (TERMINAL.has(item.status) || Date.now() > deadline) return item;
    await sleep(50);
  }
}

async function imagesNamed(who, region, ownerAlias, imageName) {
  const { body } = await who.describeImages(
    new DescribeImagesRequest({ regionId: region, imageOwnerAlias: ownerAlias, imageName, pageSize: 100 }),
  );
  return body.images.image.filter((image) => image.imageName === imageName);
}

async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('the call should have failed');
}

const MODES = [
  { name: 'ACS3-HMAC-SHA256 (default)', algorithm: undefined, owner: '3333444455556666', shared: '7777888899990000' },
  { name: "HMAC-SHA1 (signatureAlgorithm 'v2')", algorithm: 'v2', owner: '3333444455557777', shared: '7777888899991111' },
];

for (const mode of MODES) {
  describe(`Node SDK, ${mode.name}`, () => {
    const owner = client(mode.owner, mode.algorithm);

    test('a template builds to SUCCESS and its image reaches the target region and account', async () => {
      const prefix = `node${randomBytes(5).toString('hex')}`;
      const created = await owner.createImagePipeline(
        new CreateImagePipelineRequest({
          regionId: REGION,
          baseImageType: 'IMAGE',
          baseImage: BASE_IMAGE,
          name: `node-sdk-${randomBytes(4).toString('hex')}`,
          buildContent: 'RUN echo hello > /etc/motd\nRESTART',
          deleteInstanceOnFailure: true,
          toRegionId: [TARGET_REGION],
          addAccount: [Number(mode.shared)],
          tag: [new CreateImagePipelineRequestTag({ key: 'client', value: 'node-sdk' })],
          imageOptions: new CreateImagePipelineRequestImageOptions({ imageName: prefix }),
        }),
      );
      assert.equal(created.statusCode, 200);
      const pipelineId = created.body.imagePipelineId;
      assert.match(pipelineId, /^ip-/);
      assert.ok(created.body.requestId);

      const listed = await owner.describeImagePipelines(
        new DescribeImagePipelinesRequest({ regionId: REGION, imagePipelineId: [pipelineId] }),
      );
      const [template] = listed.body.imagePipeline.imagePipelineSet;
      assert.equal(template.imagePipelineId, pipelineId);
      assert.deepEqual(template.toRegionIds.toRegionId, [TARGET_REGION]);
      assert.deepEqual(template.addAccounts.addAccount, [mode.shared]);
      assert.equal(template.deleteInstanceOnFailure, true);
      assert.deepEqual(
        template.tags.tag.map((t) => [t.tagKey, t.tagValue]),
        [['client', 'node-sdk']],
      );

      const started = await owner.startImagePipelineExecution(
        new StartImagePipelineExecutionRequest({ regionId: REGION, imagePipelineId: pipelineId }),
      );
      const executionId = started.body.executionId;
      assert.match(executionId, /^exec-/);

      const done = await waitUntilTerminal(owner, executionId);
      assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
      assert.equal(done.imagePipelineId, pipelineId);
      assert.match(done.imageId, /^m-/);

      const name = `${prefix}_${executionId}`;
      const mine = await imagesNamed(owner, TARGET_REGION, 'self', name);
      assert.equal(mine.length, 1);
      assert.equal(mine[0].isCopied, true);
      assert.equal(mine[0].status, 'Available');

      const theirs = await imagesNamed(client(mode.shared, mode.algorithm), TARGET_REGION, 'others', name);
      assert.deepEqual(theirs.map((image) => image.imageId), [mine[0].imageId]);

      const stranger = await imagesNamed(client('1212121212121212', mode.algorithm), TARGET_REGION, 'others', name);
      assert.deepEqual(stranger, []);

      const shares = await owner.describeImageSharePermission(
        new DescribeImageSharePermissionRequest({ regionId: REGION, imageId: done.imageId }),
      );
      assert.deepEqual(shares.body.accounts.account.map((a) => a.aliyunId), [mode.shared]);

      // A shared image needs Force=true to be deleted (403 ImageUseShared otherwise).
      const refused = await rejection(
        owner.deleteImage(new DeleteImageRequest({ regionId: TARGET_REGION, imageId: mine[0].imageId })),
      );
      assert.equal(refused.code, 'ImageUseShared');
      assert.equal(refused.statusCode, 403);
      await owner.deleteImage(new DeleteImageRequest({ regionId: TARGET_REGION, imageId: mine[0].imageId, force: true }));
      assert.deepEqual(await imagesNamed(owner, TARGET_REGION, 'self', name), []);

      await owner.deleteImagePipeline(new DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: pipelineId }));
    });

    test('an image component is created, found, tagged, listed by tag, untagged and deleted', async () => {
      const name = `nodecomp${randomBytes(4).toString('hex')}`;
      const created = await owner.createImageComponent(
        new CreateImageComponentRequest({
          regionId: REGION,
          name,
          componentType: 'Build',
          systemType: 'Linux',
          content: 'RUN echo from a component\nRESTART',
          tag: [new CreateImageComponentRequestTag({ key: 'origin', value: 'create' })],
        }),
      );
      const componentId = created.body.imageComponentId;
      assert.match(componentId, /^ic-/);

      const described = await owner.describeImageComponents(
        new DescribeImageComponentsRequest({ regionId: REGION, imageComponentId: [componentId] }),
      );
      const [component] = described.body.imageComponent.imageComponentSet;
      assert.equal(component.name, name);
      assert.equal(component.componentVersion, '1.0.0');
      assert.equal(component.owner, 'SELF');
      assert.deepEqual(component.tags.tag.map((t) => [t.tagKey, t.tagValue]), [['origin', 'create']]);

      await owner.tagResources(
        new TagResourcesRequest({
          regionId: REGION,
          resourceType: 'imagecomponent',
          resourceId: [componentId],
          tag: [new TagResourcesRequestTag({ key: 'env', value: 'ci' })],
        }),
      );
      const byTag = await owner.listTagResources(
        new ListTagResourcesRequest({
          regionId: REGION,
          resourceType: 'imagecomponent',
          tag: [new ListTagResourcesRequestTag({ key: 'env', value: 'ci' })],
        }),
      );
      // The matching resources are listed (with their tags: which pairs appear is unconfirmed).
      assert.deepEqual(
        byTag.body.tagResources.tagResource
          .filter((r) => r.resourceId === componentId && r.tagKey === 'env')
          .map((r) => [r.resourceType, r.tagValue]),
        [['imagecomponent', 'ci']],
      );

      await owner.untagResources(
        new UntagResourcesRequest({
          regionId: REGION,
          resourceType: 'imagecomponent',
          resourceId: [componentId],
          tagKey: ['env'],
        }),
      );
      const left = await owner.listTagResources(
        new ListTagResourcesRequest({ regionId: REGION, resourceType: 'imagecomponent', resourceId: [componentId] }),
      );
      assert.deepEqual(left.body.tagResources.tagResource.map((r) => r.tagKey), ['origin']);

      await owner.deleteImageComponent(
        new DeleteImageComponentRequest({ regionId: REGION, imageComponentId: componentId }),
      );
      const again = await rejection(
        owner.deleteImageComponent(new DeleteImageComponentRequest({ regionId: REGION, imageComponentId: componentId })),
      );
      assert.equal(again.code, 'InvalidImageComponent.NotFound');
      assert.equal(again.statusCode, 404);
    });

    test('the golden-image calls: copy, share, tags, resource group, deprecate, family', async () => {
      const family = `node${randomBytes(5).toString('hex')}`;
      const buildOne = async () => {
        const { body } = await owner.createImagePipeline(
          new CreateImagePipelineRequest({
            regionId: REGION,
            baseImageType: 'IMAGE',
            baseImage: BASE_IMAGE,
            buildContent: 'RUN yum install -y nginx',
            imageOptions: new CreateImagePipelineRequestImageOptions({ imageFamily: family }),
          }),
        );
        const started = await owner.startImagePipelineExecution(
          new StartImagePipelineExecutionRequest({ regionId: REGION, imagePipelineId: body.imagePipelineId }),
        );
        const done = await waitUntilTerminal(owner, started.body.executionId);
        assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
        return done.imageId;
      };
      const old = await buildOne();
      const current = await buildOne();
      const fromFamily = async () =>
        (await owner.describeImageFromFamily(new DescribeImageFromFamilyRequest({ regionId: REGION, imageFamily: family })))
          .body.image.imageId;
      assert.equal(await fromFamily(), current);

      const copied = await owner.copyImage(
        new CopyImageRequest({
          regionId: REGION,
          imageId: current,
          destinationRegionId: TARGET_REGION,
          destinationImageName: `${family}-copy`,
          tag: [new CopyImageRequestTag({ key: 'copy', value: 'node' })],
        }),
      );
      assert.match(copied.body.imageId, /^m-/);

      await owner.modifyImageSharePermission(
        new ModifyImageSharePermissionRequest({ regionId: REGION, imageId: current, addAccount: [mode.shared] }),
      );
      const shared = client(mode.shared, mode.algorithm);
      const theirs = await shared.describeImages(
        new DescribeImagesRequest({ regionId: REGION, imageOwnerAlias: 'others', imageId: current }),
      );
      assert.equal(theirs.body.images.image[0].imageOwnerId, Number(mode.owner));

      await owner.tagResources(
        new TagResourcesRequest({
          regionId: REGION,
          resourceType: 'image',
          resourceId: [current],
          tag: [new TagResourcesRequestTag({ key: 'golden', value: 'current' })],
        }),
      );
      const tags = await owner.describeTags(
        new DescribeTagsRequest({ regionId: REGION, resourceType: 'image', resourceId: current }),
      );
      assert.deepEqual(
        tags.body.tags.tag.map((t) => [t.tagKey, t.tagValue, t.resourceTypeCount.image]),
        [['golden', 'current', 1]],
      );
      await owner.joinResourceGroup(
        new JoinResourceGroupRequest({
          regionId: REGION,
          resourceType: 'image',
          resourceId: current,
          resourceGroupId: 'rg-acfmprod000000001',
        }),
      );

      // A shared image cannot be deprecated; the old one can, and the family skips it.
      const refused = await rejection(
        owner.modifyImageAttribute(new ModifyImageAttributeRequest({ regionId: REGION, imageId: current, status: 'Deprecated' })),
      );
      assert.equal(refused.code, 'ImageUseShared');
      assert.equal(refused.statusCode, 403);
      await owner.modifyImageAttribute(new ModifyImageAttributeRequest({ regionId: REGION, imageId: old, status: 'Deprecated' }));
      assert.equal(await fromFamily(), current);

      const dry = await rejection(
        owner.deleteImage(new DeleteImageRequest({ regionId: REGION, imageId: old, dryRun: true })),
      );
      assert.equal(dry.code, 'DryRunOperation');
      assert.equal(dry.statusCode, 400);
    });

    test('a bad request is a ClientError with the documented code and HTTP status', async () => {
      const err = await rejection(
        owner.createImagePipeline(
          new CreateImagePipelineRequest({
            regionId: REGION,
            baseImageType: 'IMAGE',
            baseImage: BASE_IMAGE,
            systemDiskSize: 10,
          }),
        ),
      );
      assert.ok(err instanceof ClientError, `expected a ClientError, got ${err?.name}: ${err?.message}`);
      assert.equal(err.code, 'InvalidSystemDiskSize.NotSupportedValue');
      assert.equal(err.statusCode, 400);
      assert.ok(err.requestId);

      const missing = await rejection(
        owner.cancelImagePipelineExecution(
          new CancelImagePipelineExecutionRequest({ regionId: REGION, executionId: 'exec-doesnotexist00000000' }),
        ),
      );
      assert.equal(missing.statusCode, 404);
      assert.match(missing.code, /^InvalidImagePipelineExecution(Id)?\.NotFound$/);
    });
  });
}
