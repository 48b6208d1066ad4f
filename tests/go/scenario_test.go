package clients

// The lifecycle every client drives, written once against ecsClient. Each client adapts its own
// SDK to ecsClient and reads the answers through that SDK's own response models, so a wire shape
// an SDK cannot parse fails here.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	region       = "cn-hangzhou"
	targetRegion = "cn-beijing"
	baseImage    = "aliyun_3_x64_20G_alibase_20240819.vhd"
	// A build of an emulator started with --phase-duration 0 ends within milliseconds; this only
	// bounds the polling loop.
	pollLimit = 20 * time.Second
)

type Tag struct{ Key, Value string }

type PipelineSpec struct {
	Name, BaseImage, BuildContent, ImagePrefix string
	ToRegions, AddAccounts                     []string
	Tags                                       []Tag
	SystemDiskSize                             int // 0: not sent
	DeleteInstanceOnFailure                    bool
}

type Pipeline struct {
	ID, Name, BuildContent  string
	ToRegions, AddAccounts  []string
	Tags                    []Tag
	DeleteInstanceOnFailure bool
}

type Execution struct{ ID, PipelineID, Status, ImageID string }

type Image struct {
	ID, Name, OwnerAlias, Status string
	Copied                       bool
}

type Component struct {
	ID, Name, Version, Owner, Type string
	Tags                           []Tag
}

type TagResource struct{ ID, Type, Key, Value string }

// APIError is an error answer as the client reports it.
type APIError struct {
	Code, Message, RequestID string
	Status                   int
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%d %s: %s (RequestId %s)", e.Status, e.Code, e.Message, e.RequestID)
}

// ecsClient is one client library driving the actions of the Image Builder API. Errors from the
// server are returned as *APIError, built from the client's own error type.
type ecsClient interface {
	CreateComponent(region, name, content string, tags []Tag) (string, error)
	DescribeComponents(region string, ids []string) ([]Component, error)
	DeleteComponent(region, id string) error
	CreatePipeline(region string, spec PipelineSpec) (string, error)
	DescribePipelines(region string, ids []string) ([]Pipeline, error)
	DeletePipeline(region, id string) error
	StartExecution(region, pipelineID string) (string, error)
	CancelExecution(region, executionID string) error
	DescribeExecution(region, executionID string) (Execution, error)
	DescribeImages(region, ownerAlias, name string) ([]Image, error)
	SharedWith(region, imageID string) ([]string, error)
	DeleteImage(region, imageID string, force bool) error
	TagResources(region, resourceType string, ids []string, tags []Tag) error
	UntagResources(region, resourceType string, ids, keys []string) error
	ListTagResources(region, resourceType string, ids []string) ([]TagResource, error)
}

// flavour is one client configuration with its own accounts (key IDs of the keys file).
type flavour struct {
	name                    string
	owner, shared, stranger string
	connect                 func(t *testing.T, cred credential) ecsClient
}

func unique(prefix string) string {
	buf := make([]byte, 5)
	if _, err := rand.Read(buf); err != nil {
		panic(err)
	}
	return prefix + hex.EncodeToString(buf)
}

func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %#v, want %#v", what, got, want)
	}
}

// expectAPIError checks that err is the documented error with its HTTP status.
func expectAPIError(t *testing.T, what string, err error, status int, code string) *APIError {
	t.Helper()
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("%s: want %d %s, got %v", what, status, code, err)
	}
	if apiErr.Code != code || apiErr.Status != status {
		t.Fatalf("%s: want %d %s, got %v", what, status, code, apiErr)
	}
	if apiErr.RequestID == "" {
		t.Fatalf("%s: the error has no RequestId: %v", what, apiErr)
	}
	return apiErr
}

// requestIDOf reads RequestId from an error body in JSON ("" if it has none).
func requestIDOf(body string) string {
	var fields struct{ RequestId string }
	if err := json.Unmarshal([]byte(body), &fields); err != nil {
		return ""
	}
	return fields.RequestId
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// parseAccount reads a 16-digit account ID as the integer some SDK models use for AddAccount.N.
func parseAccount(account string) (int64, error) { return strconv.ParseInt(account, 10, 64) }

func sortedTags(tags []Tag) []Tag {
	out := append([]Tag{}, tags...)
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// waitFor polls DescribeImagePipelineExecutions until done(status), within pollLimit.
func waitFor(t *testing.T, c ecsClient, executionID string, done func(string) bool) Execution {
	t.Helper()
	deadline := time.Now().Add(pollLimit)
	for {
		execution, err := c.DescribeExecution(region, executionID)
		ok(t, "DescribeImagePipelineExecutions", err)
		if done(execution.Status) {
			return execution
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still %s after %s", executionID, execution.Status, pollLimit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func terminal(status string) bool {
	switch status {
	case "SUCCESS", "PARTITION_SUCCESS", "FAILED", "TEST_FAILED", "CANCELLED":
		return true
	}
	return false
}

// runLifecycle: a component, a template using it, a build to SUCCESS whose image is copied to
// another region and shared with another account, tags, a cancelled build, documented errors,
// and everything deleted again.
func runLifecycle(t *testing.T, f flavour) {
	ownerCred := credentialOf(t, f.owner)
	sharedCred := credentialOf(t, f.shared)
	owner := f.connect(t, ownerCred)
	shared := f.connect(t, sharedCred)
	stranger := f.connect(t, credentialOf(t, f.stranger))

	// A component, found by ID with its version, owner and tags.
	componentName := unique("gocomp")
	componentID, err := owner.CreateComponent(region, componentName,
		"RUN echo from a component\nRESTART", []Tag{{"origin", "create"}})
	ok(t, "CreateImageComponent", err)
	if !strings.HasPrefix(componentID, "ic-") {
		t.Fatalf("component ID %q", componentID)
	}
	components, err := owner.DescribeComponents(region, []string{componentID})
	ok(t, "DescribeImageComponents", err)
	equal(t, "DescribeImageComponents", components, []Component{{
		ID: componentID, Name: componentName, Version: "1.0.0", Owner: "SELF", Type: "Build",
		Tags: []Tag{{"origin", "create"}},
	}})

	// A template that uses it, distributed to another region and account. The second RUN carries
	// characters that percent-encoding and signing treat specially (reserved, unicode, '*', '~', '+').
	prefix := unique("goimg")
	spec := PipelineSpec{
		Name:                    unique("gotpl"),
		BaseImage:               baseImage,
		BuildContent:            "COMPONENT " + componentID + "\nRUN echo hello > /etc/motd\nRUN echo a*b~c d+e/f 中文 (x) [y] @z %41 &x=1 ; , \\$HOME 'q' !",
		ImagePrefix:             prefix,
		ToRegions:               []string{targetRegion},
		AddAccounts:             []string{sharedCred.Account},
		Tags:                    []Tag{{"client", f.name}},
		DeleteInstanceOnFailure: true,
	}
	pipelineID, err := owner.CreatePipeline(region, spec)
	ok(t, "CreateImagePipeline", err)
	if !strings.HasPrefix(pipelineID, "ip-") {
		t.Fatalf("template ID %q", pipelineID)
	}
	pipelines, err := owner.DescribePipelines(region, []string{pipelineID})
	ok(t, "DescribeImagePipelines", err)
	equal(t, "DescribeImagePipelines", pipelines, []Pipeline{{
		ID: pipelineID, Name: spec.Name, BuildContent: spec.BuildContent, ToRegions: spec.ToRegions,
		AddAccounts: spec.AddAccounts, Tags: spec.Tags, DeleteInstanceOnFailure: true,
	}})
	expectAPIError(t, "DeleteImageComponent while a template uses it",
		owner.DeleteComponent(region, componentID), 403, "InvalidImageComponent.InUse")

	// A build to SUCCESS; its image copied to the target region and shared with the account.
	executionID, err := owner.StartExecution(region, pipelineID)
	ok(t, "StartImagePipelineExecution", err)
	if !strings.HasPrefix(executionID, "exec-") {
		t.Fatalf("execution ID %q", executionID)
	}
	done := waitFor(t, owner, executionID, terminal)
	if done.Status != "SUCCESS" || done.PipelineID != pipelineID || !strings.HasPrefix(done.ImageID, "m-") {
		t.Fatalf("the build ended %+v", done)
	}
	imageName := prefix + "_" + executionID
	mine, err := owner.DescribeImages(targetRegion, "self", imageName)
	ok(t, "DescribeImages as the owner", err)
	if len(mine) != 1 || !mine[0].Copied || mine[0].Status != "Available" || mine[0].OwnerAlias != "self" {
		t.Fatalf("the owner's copy in %s: %+v", targetRegion, mine)
	}
	theirs, err := shared.DescribeImages(targetRegion, "others", imageName)
	ok(t, "DescribeImages as the shared account", err)
	equal(t, "the shared account's view", theirs, []Image{{
		ID: mine[0].ID, Name: imageName, OwnerAlias: "others", Status: "Available", Copied: true,
	}})
	nobody, err := stranger.DescribeImages(targetRegion, "others", imageName)
	ok(t, "DescribeImages as a stranger", err)
	equal(t, "a stranger's view", len(nobody), 0)
	accounts, err := owner.SharedWith(region, done.ImageID)
	ok(t, "DescribeImageSharePermission", err)
	equal(t, "DescribeImageSharePermission", accounts, []string{sharedCred.Account})

	// Tags through the tag APIs; emulator:outcome=HOLD@BUILDING holds the next build so it can be
	// cancelled.
	ok(t, "TagResources", owner.TagResources(region, "imagepipeline", []string{pipelineID},
		[]Tag{{"env", "ci"}, {"emulator:outcome", "HOLD@BUILDING"}}))
	listed, err := owner.ListTagResources(region, "imagepipeline", []string{pipelineID})
	ok(t, "ListTagResources", err)
	var pairs []Tag
	for _, r := range listed {
		equal(t, "ListTagResources resource", [2]string{r.ID, r.Type}, [2]string{pipelineID, "imagepipeline"})
		pairs = append(pairs, Tag{r.Key, r.Value})
	}
	equal(t, "ListTagResources", sortedTags(pairs),
		[]Tag{{"client", f.name}, {"emulator:outcome", "HOLD@BUILDING"}, {"env", "ci"}})

	held, err := owner.StartExecution(region, pipelineID)
	ok(t, "StartImagePipelineExecution (held)", err)
	waitFor(t, owner, held, func(status string) bool {
		if terminal(status) {
			t.Fatalf("the held build ended %s", status)
		}
		return status == "BUILDING"
	})
	ok(t, "CancelImagePipelineExecution", owner.CancelExecution(region, held))
	cancelled := waitFor(t, owner, held, func(status string) bool {
		if status != "CANCELLING" && status != "CANCELLED" {
			t.Fatalf("a cancelled build is %s", status)
		}
		return status == "CANCELLED"
	})
	equal(t, "the cancelled build's image", cancelled.ImageID, "")
	expectAPIError(t, "CancelImagePipelineExecution of a cancelled build",
		owner.CancelExecution(region, held), 400, "InvalidStatus.CancelFailed")

	ok(t, "UntagResources", owner.UntagResources(region, "imagepipeline", []string{pipelineID},
		[]string{"env", "emulator:outcome"}))
	left, err := owner.ListTagResources(region, "imagepipeline", []string{pipelineID})
	ok(t, "ListTagResources after UntagResources", err)
	equal(t, "tags left", len(left), 1)
	equal(t, "tag left", Tag{left[0].Key, left[0].Value}, Tag{"client", f.name})

	// Documented errors, each with its code and HTTP status.
	_, err = owner.CreatePipeline(region, PipelineSpec{BaseImage: baseImage, SystemDiskSize: 10})
	expectAPIError(t, "CreateImagePipeline with SystemDiskSize=10", err, 400, "InvalidSystemDiskSize.NotSupportedValue")
	expectAPIError(t, "CancelImagePipelineExecution of an unknown build",
		owner.CancelExecution(region, "exec-00000000000000000000"), 404, "InvalidImagePipelineExecutionId.NotFound")
	_, err = owner.DescribePipelines("xx-nowhere-1", nil)
	expectAPIError(t, "DescribeImagePipelines in an unknown region", err, 404, "InvalidRegionId.NotFound")
	expectAPIError(t, "DeleteImage of a shared image without Force",
		owner.DeleteImage(targetRegion, mine[0].ID, false), 403, "ImageUseShared")

	// Everything deleted.
	ok(t, "DeleteImage Force", owner.DeleteImage(targetRegion, mine[0].ID, true))
	gone, err := owner.DescribeImages(targetRegion, "self", imageName)
	ok(t, "DescribeImages after DeleteImage", err)
	equal(t, "images left", len(gone), 0)
	ok(t, "DeleteImagePipeline", owner.DeletePipeline(region, pipelineID))
	after, err := owner.DescribePipelines(region, []string{pipelineID})
	ok(t, "DescribeImagePipelines after DeleteImagePipeline", err)
	equal(t, "templates left", len(after), 0)
	ok(t, "DeleteImageComponent", owner.DeleteComponent(region, componentID))
	expectAPIError(t, "DeleteImageComponent again", owner.DeleteComponent(region, componentID),
		404, "InvalidImageComponent.NotFound")
}

// runSignatureCheck: a wrong secret is refused with SignatureDoesNotMatch (the server's string to
// sign in the message) under --auth strict, and accepted by an emulator in accept-any mode; an
// unknown AccessKeyId is InvalidAccessKeyId.NotFound in strict mode.
func runSignatureCheck(t *testing.T, f flavour) {
	right := credentialOf(t, f.owner)
	wrong := f.connect(t, credential{ID: right.ID, Secret: "not-the-secret", Account: right.Account})
	_, err := wrong.DescribePipelines(region, nil)
	if !strict {
		ok(t, "a wrong secret in accept-any mode", err)
		return
	}
	refused := expectAPIError(t, "a wrong secret", err, 400, "SignatureDoesNotMatch")
	if !strings.Contains(refused.Message, "server string to sign is:") {
		t.Fatalf("SignatureDoesNotMatch without the string to sign: %q", refused.Message)
	}
	unknown := f.connect(t, credential{ID: "LTAI5tNobodyAtAll", Secret: right.Secret})
	_, err = unknown.DescribePipelines(region, nil)
	expectAPIError(t, "an unknown AccessKeyId", err, 404, "InvalidAccessKeyId.NotFound")
	// The right secret passes.
	_, err = f.connect(t, right).DescribePipelines(region, nil)
	ok(t, "the right secret", err)
}

// runFlavours runs the lifecycle and the signature check for each flavour, in parallel (each has
// its own accounts).
func runFlavours(t *testing.T, flavours []flavour) {
	for _, f := range flavours {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			t.Run("lifecycle", func(t *testing.T) { runLifecycle(t, f) })
			t.Run("signature", func(t *testing.T) { runSignatureCheck(t, f) })
		})
	}
}
