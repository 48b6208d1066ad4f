package emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.aliyun.ecs20140526.Client;
import com.aliyun.ecs20140526.models.CancelImagePipelineExecutionRequest;
import com.aliyun.ecs20140526.models.CreateImageComponentRequest;
import com.aliyun.ecs20140526.models.CreateImageComponentRequest.CreateImageComponentRequestTag;
import com.aliyun.ecs20140526.models.CreateImagePipelineRequest;
import com.aliyun.ecs20140526.models.CreateImagePipelineRequest.CreateImagePipelineRequestTag;
import com.aliyun.ecs20140526.models.DeleteImageComponentRequest;
import com.aliyun.ecs20140526.models.DeleteImagePipelineRequest;
import com.aliyun.ecs20140526.models.DeleteImageRequest;
import com.aliyun.ecs20140526.models.DescribeImageComponentsRequest;
import com.aliyun.ecs20140526.models.DescribeImageComponentsResponseBody.DescribeImageComponentsResponseBodyImageComponentImageComponentSet;
import com.aliyun.ecs20140526.models.DescribeImagePipelineExecutionsRequest;
import com.aliyun.ecs20140526.models.DescribeImagePipelineExecutionsResponseBody.DescribeImagePipelineExecutionsResponseBodyImagePipelineExecutionImagePipelineExecutionSet;
import com.aliyun.ecs20140526.models.DescribeImagePipelinesRequest;
import com.aliyun.ecs20140526.models.DescribeImagePipelinesResponseBody.DescribeImagePipelinesResponseBodyImagePipelineImagePipelineSet;
import com.aliyun.ecs20140526.models.DescribeImageSharePermissionRequest;
import com.aliyun.ecs20140526.models.DescribeImagesRequest;
import com.aliyun.ecs20140526.models.DescribeImagesResponseBody.DescribeImagesResponseBodyImagesImage;
import com.aliyun.ecs20140526.models.ListTagResourcesRequest;
import com.aliyun.ecs20140526.models.StartImagePipelineExecutionRequest;
import com.aliyun.ecs20140526.models.TagResourcesRequest;
import com.aliyun.ecs20140526.models.TagResourcesRequest.TagResourcesRequestTag;
import com.aliyun.ecs20140526.models.UntagResourcesRequest;
import com.aliyun.tea.TeaException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The official Java SDK (com.aliyun:ecs20140526 on com.aliyun:tea-openapi) in V3 (ACS3-HMAC-SHA256,
 * the default) and V1 (HMAC-SHA1, signatureAlgorithm "v2"): a component, a template using it, a
 * build to SUCCESS whose image is copied to another region and shared with another account, tags,
 * a cancelled build, documented errors with their codes and HTTP statuses, and everything deleted.
 * Every answer is read through the SDK's own response models. Under --auth strict the signatures
 * are verified; a wrong secret is SignatureDoesNotMatch.
 */
class LifecycleTest {
    private static final String REGION = Emulator.REGION;
    private static final String TARGET_REGION = "cn-beijing";
    private static final String BASE_IMAGE = "aliyun_3_x64_20G_alibase_20240819.vhd";
    private static final Set<String> TERMINAL = Set.of("SUCCESS", "PARTITION_SUCCESS", "FAILED", "TEST_FAILED", "CANCELLED");
    /** Builds of an emulator with --phase-duration 0 end within milliseconds; this bounds the polling. */
    private static final Duration POLL_LIMIT = Duration.ofSeconds(20);

    /** A signing mode with its own accounts (key IDs of the keys file). */
    enum Mode {
        ACS3(null, "LTAI5tJavaV3Owner", "LTAI5tJavaV3Shared"),
        HMAC_SHA1("v2", "LTAI5tJavaV1Owner", "LTAI5tJavaV1Shared");

        final String signatureAlgorithm;
        final String owner;
        final String shared;

        Mode(String signatureAlgorithm, String owner, String shared) {
            this.signatureAlgorithm = signatureAlgorithm;
            this.owner = owner;
            this.shared = shared;
        }

        Client client(Emulator.Key key) throws Exception {
            return Emulator.client(key, signatureAlgorithm);
        }
    }

    private static String unique(String prefix) {
        byte[] bytes = new byte[5];
        new SecureRandom().nextBytes(bytes);
        return prefix + HexFormat.of().formatHex(bytes);
    }

    /** The call fails with the documented code and HTTP status, as a TeaException with a RequestId. */
    private static TeaException assertApiError(int status, String code, Executable call) {
        TeaException error = assertThrows(TeaException.class, call);
        assertEquals(code, error.getCode(), () -> "code of " + error.getMessage());
        assertEquals(status, error.getStatusCode(), () -> "HTTP status of " + error.getMessage());
        assertNotNull(error.getData().get("RequestId"), "RequestId of the error");
        return error;
    }

    private static DescribeImagePipelineExecutionsResponseBodyImagePipelineExecutionImagePipelineExecutionSet execution(
            Client client, String executionId) throws Exception {
        var set = client.describeImagePipelineExecutions(new DescribeImagePipelineExecutionsRequest()
                        .setRegionId(REGION).setExecutionId(executionId))
                .getBody().getImagePipelineExecution().getImagePipelineExecutionSet();
        assertEquals(1, set.size(), "executions named " + executionId);
        return set.get(0);
    }

    /** Polls DescribeImagePipelineExecutions until done(status), within POLL_LIMIT. */
    private static DescribeImagePipelineExecutionsResponseBodyImagePipelineExecutionImagePipelineExecutionSet waitFor(
            Client client, String executionId, Predicate<String> done) throws Exception {
        Instant deadline = Instant.now().plus(POLL_LIMIT);
        while (true) {
            var found = execution(client, executionId);
            if (done.test(found.getStatus())) {
                return found;
            }
            if (Instant.now().isAfter(deadline)) {
                fail("execution " + executionId + " still " + found.getStatus() + " after " + POLL_LIMIT);
            }
            Thread.sleep(20);
        }
    }

    private static List<DescribeImagesResponseBodyImagesImage> imagesNamed(Client client, String region, String alias, String name)
            throws Exception {
        return client.describeImages(new DescribeImagesRequest()
                        .setRegionId(region).setImageOwnerAlias(alias).setImageName(name).setPageSize(100))
                .getBody().getImages().getImage().stream()
                .filter(image -> name.equals(image.getImageName()))
                .toList();
    }

    private static Set<String> tagsOf(Client client, String pipelineId) throws Exception {
        Set<String> pairs = new TreeSet<>();
        for (var resource : client.listTagResources(new ListTagResourcesRequest()
                        .setRegionId(REGION).setResourceType("imagepipeline").setResourceId(List.of(pipelineId)))
                .getBody().getTagResources().getTagResource()) {
            assertEquals(pipelineId, resource.getResourceId());
            assertEquals("imagepipeline", resource.getResourceType());
            pairs.add(resource.getTagKey() + "=" + resource.getTagValue());
        }
        return pairs;
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void lifecycle(Mode mode) throws Exception {
        Emulator.Key sharedKey = Emulator.credential(mode.shared);
        Client owner = mode.client(Emulator.credential(mode.owner));
        Client shared = mode.client(sharedKey);
        Client stranger = mode.client(Emulator.credential("LTAI5tStranger"));

        // A component, found by ID with its type and tags.
        String componentName = unique("javacomp");
        String componentId = owner.createImageComponent(new CreateImageComponentRequest()
                        .setRegionId(REGION).setName(componentName).setComponentType("Build").setSystemType("Linux")
                        .setContent("RUN echo from a component\nRESTART")
                        .setTag(List.of(new CreateImageComponentRequestTag().setKey("origin").setValue("create"))))
                .getBody().getImageComponentId();
        assertTrue(componentId.startsWith("ic-"), componentId);
        List<DescribeImageComponentsResponseBodyImageComponentImageComponentSet> components = owner.describeImageComponents(
                        new DescribeImageComponentsRequest().setRegionId(REGION).setImageComponentId(List.of(componentId)))
                .getBody().getImageComponent().getImageComponentSet();
        assertEquals(1, components.size());
        assertEquals(componentName, components.get(0).getName());
        assertEquals("Build", components.get(0).getComponentType());
        assertEquals("Linux", components.get(0).getSystemType());
        var componentTags = components.get(0).getTags().getTag();
        assertEquals(1, componentTags.size());
        assertEquals("origin", componentTags.get(0).getTagKey());
        assertEquals("create", componentTags.get(0).getTagValue());

        // A template using it, distributed to another region and account. This SDK version has no
        // ImageOptions: the image name prefix is the (deprecated) top-level ImageName.
        String prefix = unique("javaimg");
        String templateName = unique("javatpl");
        // Characters that percent-encoding and signing treat specially (reserved, unicode, '*', '~', '+').
        String buildContent = "COMPONENT " + componentId + "\nRUN echo hello > /etc/motd"
                + "\nRUN echo a*b~c d+e/f 中文 (x) [y] @z %41 &x=1 ; , \\$HOME 'q' !";
        String pipelineId = owner.createImagePipeline(new CreateImagePipelineRequest()
                        .setRegionId(REGION).setBaseImageType("IMAGE").setBaseImage(BASE_IMAGE).setName(templateName)
                        .setBuildContent(buildContent).setImageName(prefix).setDeleteInstanceOnFailure(true)
                        .setToRegionId(List.of(TARGET_REGION)).setAddAccount(List.of(Long.parseLong(sharedKey.account())))
                        .setTag(List.of(new CreateImagePipelineRequestTag().setKey("client").setValue("java-" + mode))))
                .getBody().getImagePipelineId();
        assertTrue(pipelineId.startsWith("ip-"), pipelineId);
        List<DescribeImagePipelinesResponseBodyImagePipelineImagePipelineSet> pipelines = owner.describeImagePipelines(
                        new DescribeImagePipelinesRequest().setRegionId(REGION).setImagePipelineId(List.of(pipelineId)))
                .getBody().getImagePipeline().getImagePipelineSet();
        assertEquals(1, pipelines.size());
        var template = pipelines.get(0);
        assertEquals(pipelineId, template.getImagePipelineId());
        assertEquals(templateName, template.getName());
        assertEquals(buildContent, template.getBuildContent());
        assertEquals(prefix, template.getImageName());
        assertEquals(true, template.getDeleteInstanceOnFailure());
        assertEquals(List.of(TARGET_REGION), template.getToRegionIds().getToRegionId());
        assertEquals(List.of(sharedKey.account()), template.getAddAccounts().getAddAccount());
        assertEquals(1, template.getTags().getTag().size());
        assertEquals("java-" + mode, template.getTags().getTag().get(0).getTagValue());
        assertApiError(403, "InvalidImageComponent.InUse", () -> owner.deleteImageComponent(
                new DeleteImageComponentRequest().setRegionId(REGION).setImageComponentId(componentId)));

        // A build to SUCCESS; the image copied to the target region and shared with the account.
        String executionId = owner.startImagePipelineExecution(new StartImagePipelineExecutionRequest()
                        .setRegionId(REGION).setImagePipelineId(pipelineId))
                .getBody().getExecutionId();
        assertTrue(executionId.startsWith("exec-"), executionId);
        var done = waitFor(owner, executionId, TERMINAL::contains);
        assertEquals("SUCCESS", done.getStatus(), () -> done.getMessage());
        assertEquals(pipelineId, done.getImagePipelineId());
        assertTrue(done.getImageId().startsWith("m-"), done.getImageId());

        String imageName = prefix + "_" + executionId;
        var mine = imagesNamed(owner, TARGET_REGION, "self", imageName);
        assertEquals(1, mine.size());
        assertEquals(true, mine.get(0).getIsCopied());
        assertEquals("Available", mine.get(0).getStatus());
        var theirs = imagesNamed(shared, TARGET_REGION, "others", imageName);
        assertEquals(List.of(mine.get(0).getImageId()), theirs.stream().map(DescribeImagesResponseBodyImagesImage::getImageId).toList());
        assertEquals("others", theirs.get(0).getImageOwnerAlias());
        assertEquals(List.of(), imagesNamed(stranger, TARGET_REGION, "others", imageName));
        var accounts = owner.describeImageSharePermission(new DescribeImageSharePermissionRequest()
                        .setRegionId(REGION).setImageId(done.getImageId()))
                .getBody().getAccounts().getAccount();
        assertEquals(List.of(sharedKey.account()), accounts.stream().map(a -> a.getAliyunId()).toList());

        // Tags through the tag APIs; emulator:outcome=HOLD@BUILDING holds the next build so it can be cancelled.
        owner.tagResources(new TagResourcesRequest().setRegionId(REGION).setResourceType("imagepipeline")
                .setResourceId(List.of(pipelineId))
                .setTag(List.of(new TagResourcesRequestTag().setKey("env").setValue("ci"),
                        new TagResourcesRequestTag().setKey("emulator:outcome").setValue("HOLD@BUILDING"))));
        assertEquals(Set.of("client=java-" + mode, "env=ci", "emulator:outcome=HOLD@BUILDING"), tagsOf(owner, pipelineId));

        String held = owner.startImagePipelineExecution(new StartImagePipelineExecutionRequest()
                        .setRegionId(REGION).setImagePipelineId(pipelineId))
                .getBody().getExecutionId();
        waitFor(owner, held, status -> {
            assertFalse(TERMINAL.contains(status), "the held build ended " + status);
            return status.equals("BUILDING");
        });
        owner.cancelImagePipelineExecution(new CancelImagePipelineExecutionRequest().setRegionId(REGION).setExecutionId(held));
        var cancelled = waitFor(owner, held, status -> {
            assertTrue(status.equals("CANCELLING") || status.equals("CANCELLED"), "a cancelled build is " + status);
            return status.equals("CANCELLED");
        });
        assertEquals(null, cancelled.getImageId());
        assertApiError(400, "InvalidStatus.CancelFailed", () -> owner.cancelImagePipelineExecution(
                new CancelImagePipelineExecutionRequest().setRegionId(REGION).setExecutionId(held)));

        owner.untagResources(new UntagResourcesRequest().setRegionId(REGION).setResourceType("imagepipeline")
                .setResourceId(List.of(pipelineId)).setTagKey(List.of("env", "emulator:outcome")));
        assertEquals(Set.of("client=java-" + mode), tagsOf(owner, pipelineId));

        // Documented errors, each with its code and HTTP status.
        assertApiError(400, "InvalidSystemDiskSize.NotSupportedValue", () -> owner.createImagePipeline(
                new CreateImagePipelineRequest().setRegionId(REGION).setBaseImageType("IMAGE").setBaseImage(BASE_IMAGE)
                        .setSystemDiskSize(10)));
        assertApiError(404, "InvalidImagePipelineExecutionId.NotFound", () -> owner.cancelImagePipelineExecution(
                new CancelImagePipelineExecutionRequest().setRegionId(REGION).setExecutionId("exec-00000000000000000000")));
        assertApiError(404, "InvalidRegionId.NotFound", () -> owner.describeImagePipelines(
                new DescribeImagePipelinesRequest().setRegionId("xx-nowhere-1")));
        String copyId = mine.get(0).getImageId();
        assertApiError(403, "ImageUseShared", () -> owner.deleteImage(
                new DeleteImageRequest().setRegionId(TARGET_REGION).setImageId(copyId)));

        // Everything deleted.
        owner.deleteImage(new DeleteImageRequest().setRegionId(TARGET_REGION).setImageId(copyId).setForce(true));
        assertEquals(List.of(), imagesNamed(owner, TARGET_REGION, "self", imageName));
        owner.deleteImagePipeline(new DeleteImagePipelineRequest().setRegionId(REGION).setImagePipelineId(pipelineId));
        assertEquals(List.of(), owner.describeImagePipelines(
                        new DescribeImagePipelinesRequest().setRegionId(REGION).setImagePipelineId(List.of(pipelineId)))
                .getBody().getImagePipeline().getImagePipelineSet());
        owner.deleteImageComponent(new DeleteImageComponentRequest().setRegionId(REGION).setImageComponentId(componentId));
        assertApiError(404, "InvalidImageComponent.NotFound", () -> owner.deleteImageComponent(
                new DeleteImageComponentRequest().setRegionId(REGION).setImageComponentId(componentId)));
    }

    /**
     * A wrong secret is refused with SignatureDoesNotMatch (the server's string to sign in the
     * message) under --auth strict, and accepted in accept-any mode; an unknown AccessKeyId is
     * InvalidAccessKeyId.NotFound in strict mode.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void signature(Mode mode) throws Exception {
        Emulator.Key right = Emulator.credential(mode.owner);
        Client wrong = mode.client(new Emulator.Key(right.id(), "not-the-secret", right.account()));
        DescribeImagePipelinesRequest describe = new DescribeImagePipelinesRequest().setRegionId(REGION);
        if (!Emulator.STRICT) {
            assertNotNull(wrong.describeImagePipelines(describe).getBody().getRequestId());
            return;
        }
        TeaException refused = assertApiError(400, "SignatureDoesNotMatch", () -> wrong.describeImagePipelines(describe));
        assertTrue(String.valueOf(refused.getData().get("Message")).contains("server string to sign is:"), refused.getMessage());
        Client unknown = mode.client(new Emulator.Key("LTAI5tNobodyAtAll", right.secret(), right.account()));
        assertApiError(404, "InvalidAccessKeyId.NotFound", () -> unknown.describeImagePipelines(describe));
        assertNotNull(mode.client(right).describeImagePipelines(describe).getBody().getRequestId());
    }
}
