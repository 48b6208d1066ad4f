package clients

// The older Go SDK, github.com/aliyun/alibaba-cloud-sdk-go: its generated ECS client
// (services/ecs), V1 HMAC-SHA1 with every parameter in the query string and Format=JSON. The
// emulator is its endpoint through the client's Domain; the SDK's default scheme is HTTP, and the
// client's configured scheme is IBE_SCHEME's.

import (
	"errors"
	"strings"
	"testing"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

type oldSDK struct{ c *ecs.Client }

func connectOldSDK(t *testing.T, cred credential) ecsClient {
	t.Helper()
	client, err := ecs.NewClientWithAccessKey(region, cred.ID, cred.Secret)
	if err != nil {
		t.Fatalf("ecs.NewClientWithAccessKey: %v", err)
	}
	client.Domain = endpoint
	client.GetConfig().Scheme = strings.ToUpper(scheme)
	return oldSDK{client}
}

func TestOldSDK(t *testing.T) {
	runFlavours(t, []flavour{
		{name: "alibaba-cloud-sdk-go-ecs", owner: "LTAI5tGoOldOwner", shared: "LTAI5tGoOldShared", stranger: "LTAI5tStranger", connect: connectOldSDK},
	})
}

// oldSDKError turns the SDK's *errors.ServerError into an *APIError.
func oldSDKError(err error) error {
	if err == nil {
		return nil
	}
	var serverErr *sdkerrors.ServerError
	if errors.As(err, &serverErr) {
		return &APIError{Code: serverErr.ErrorCode(), Message: serverErr.Message(), Status: serverErr.HttpStatus(), RequestID: serverErr.RequestId()}
	}
	return err
}

func tagPairs[T any](tags []T, pair func(T) (string, string)) []Tag {
	out := []Tag{}
	for _, tag := range tags {
		key, value := pair(tag)
		out = append(out, Tag{key, value})
	}
	return out
}

func (s oldSDK) CreateComponent(region, name, content string, tags []Tag) (string, error) {
	request := ecs.CreateCreateImageComponentRequest()
	request.RegionId = region
	request.Name = name
	request.Content = content
	request.ComponentType = "Build"
	request.SystemType = "Linux"
	list := []ecs.CreateImageComponentTag{}
	for _, tag := range tags {
		list = append(list, ecs.CreateImageComponentTag{Key: tag.Key, Value: tag.Value})
	}
	request.Tag = &list
	response, err := s.c.CreateImageComponent(request)
	if err != nil {
		return "", oldSDKError(err)
	}
	return response.ImageComponentId, nil
}

func (s oldSDK) DescribeComponents(region string, ids []string) ([]Component, error) {
	request := ecs.CreateDescribeImageComponentsRequest()
	request.RegionId = region
	request.ImageComponentId = &ids
	response, err := s.c.DescribeImageComponents(request)
	if err != nil {
		return nil, oldSDKError(err)
	}
	out := []Component{}
	for _, c := range response.ImageComponent.ImageComponentSet {
		out = append(out, Component{
			ID: c.ImageComponentId, Name: c.Name, Version: c.ComponentVersion, Owner: c.Owner, Type: c.ComponentType,
			Tags: tagPairs(c.Tags.Tag, func(t ecs.Tag) (string, string) { return t.TagKey, t.TagValue }),
		})
	}
	return out, nil
}

func (s oldSDK) DeleteComponent(region, id string) error {
	request := ecs.CreateDeleteImageComponentRequest()
	request.RegionId = region
	request.ImageComponentId = id
	_, err := s.c.DeleteImageComponent(request)
	return oldSDKError(err)
}

func (s oldSDK) CreatePipeline(region string, spec PipelineSpec) (string, error) {
	request := ecs.CreateCreateImagePipelineRequest()
	request.RegionId = region
	request.BaseImageType = "IMAGE"
	request.BaseImage = spec.BaseImage
	request.Name = spec.Name
	request.BuildContent = spec.BuildContent
	request.ImageOptions = ecs.CreateImagePipelineImageOptions{ImageName: spec.ImagePrefix}
	if spec.DeleteInstanceOnFailure {
		request.DeleteInstanceOnFailure = requests.NewBoolean(true)
	}
	if spec.SystemDiskSize != 0 {
		request.SystemDiskSize = requests.NewInteger(spec.SystemDiskSize)
	}
	toRegions := append([]string{}, spec.ToRegions...)
	request.ToRegionId = &toRegions
	accounts := append([]string{}, spec.AddAccounts...)
	request.AddAccount = &accounts
	tags := []ecs.CreateImagePipelineTag{}
	for _, tag := range spec.Tags {
		tags = append(tags, ecs.CreateImagePipelineTag{Key: tag.Key, Value: tag.Value})
	}
	request.Tag = &tags
	response, err := s.c.CreateImagePipeline(request)
	if err != nil {
		return "", oldSDKError(err)
	}
	return response.ImagePipelineId, nil
}

func (s oldSDK) DescribePipelines(region string, ids []string) ([]Pipeline, error) {
	request := ecs.CreateDescribeImagePipelinesRequest()
	request.RegionId = region
	request.ImagePipelineId = &ids
	response, err := s.c.DescribeImagePipelines(request)
	if err != nil {
		return nil, oldSDKError(err)
	}
	out := []Pipeline{}
	for _, p := range response.ImagePipeline.ImagePipelineSet {
		out = append(out, Pipeline{
			ID: p.ImagePipelineId, Name: p.Name, BuildContent: p.BuildContent,
			ToRegions: p.ToRegionIds.ToRegionId, AddAccounts: p.AddAccounts.AddAccount,
			Tags:                    tagPairs(p.Tags.Tag, func(t ecs.Tag) (string, string) { return t.TagKey, t.TagValue }),
			DeleteInstanceOnFailure: p.DeleteInstanceOnFailure,
		})
	}
	return out, nil
}

func (s oldSDK) DeletePipeline(region, id string) error {
	request := ecs.CreateDeleteImagePipelineRequest()
	request.RegionId = region
	request.ImagePipelineId = id
	_, err := s.c.DeleteImagePipeline(request)
	return oldSDKError(err)
}

func (s oldSDK) StartExecution(region, pipelineID string) (string, error) {
	request := ecs.CreateStartImagePipelineExecutionRequest()
	request.RegionId = region
	request.ImagePipelineId = pipelineID
	response, err := s.c.StartImagePipelineExecution(request)
	if err != nil {
		return "", oldSDKError(err)
	}
	return response.ExecutionId, nil
}

func (s oldSDK) CancelExecution(region, executionID string) error {
	request := ecs.CreateCancelImagePipelineExecutionRequest()
	request.RegionId = region
	request.ExecutionId = executionID
	_, err := s.c.CancelImagePipelineExecution(request)
	return oldSDKError(err)
}

func (s oldSDK) DescribeExecution(region, executionID string) (Execution, error) {
	request := ecs.CreateDescribeImagePipelineExecutionsRequest()
	request.RegionId = region
	request.ExecutionId = executionID
	response, err := s.c.DescribeImagePipelineExecutions(request)
	if err != nil {
		return Execution{}, oldSDKError(err)
	}
	set := response.ImagePipelineExecution.ImagePipelineExecutionSet
	if len(set) != 1 {
		return Execution{}, errorf("DescribeImagePipelineExecutions %s: %d executions", executionID, len(set))
	}
	return Execution{ID: set[0].ExecutionId, PipelineID: set[0].ImagePipelineId, Status: set[0].Status, ImageID: set[0].ImageId}, nil
}

func (s oldSDK) DescribeImages(region, ownerAlias, name string) ([]Image, error) {
	request := ecs.CreateDescribeImagesRequest()
	request.RegionId = region
	request.ImageOwnerAlias = ownerAlias
	request.ImageName = name
	request.PageSize = requests.NewInteger(100)
	response, err := s.c.DescribeImages(request)
	if err != nil {
		return nil, oldSDKError(err)
	}
	out := []Image{}
	for _, i := range response.Images.Image {
		if i.ImageName == name {
			out = append(out, Image{ID: i.ImageId, Name: i.ImageName, OwnerAlias: i.ImageOwnerAlias, Status: i.Status, Copied: i.IsCopied})
		}
	}
	return out, nil
}

func (s oldSDK) SharedWith(region, imageID string) ([]string, error) {
	request := ecs.CreateDescribeImageSharePermissionRequest()
	request.RegionId = region
	request.ImageId = imageID
	response, err := s.c.DescribeImageSharePermission(request)
	if err != nil {
		return nil, oldSDKError(err)
	}
	out := []string{}
	for _, a := range response.Accounts.Account {
		out = append(out, a.AliyunId)
	}
	return out, nil
}

func (s oldSDK) DeleteImage(region, imageID string, force bool) error {
	request := ecs.CreateDeleteImageRequest()
	request.RegionId = region
	request.ImageId = imageID
	if force {
		request.Force = requests.NewBoolean(true)
	}
	_, err := s.c.DeleteImage(request)
	return oldSDKError(err)
}

func (s oldSDK) TagResources(region, resourceType string, ids []string, tags []Tag) error {
	request := ecs.CreateTagResourcesRequest()
	request.RegionId = region
	request.ResourceType = resourceType
	request.ResourceId = &ids
	list := []ecs.TagResourcesTag{}
	for _, tag := range tags {
		list = append(list, ecs.TagResourcesTag{Key: tag.Key, Value: tag.Value})
	}
	request.Tag = &list
	_, err := s.c.TagResources(request)
	return oldSDKError(err)
}

func (s oldSDK) UntagResources(region, resourceType string, ids, keys []string) error {
	request := ecs.CreateUntagResourcesRequest()
	request.RegionId = region
	request.ResourceType = resourceType
	request.ResourceId = &ids
	request.TagKey = &keys
	_, err := s.c.UntagResources(request)
	return oldSDKError(err)
}

func (s oldSDK) ListTagResources(region, resourceType string, ids []string) ([]TagResource, error) {
	request := ecs.CreateListTagResourcesRequest()
	request.RegionId = region
	request.ResourceType = resourceType
	request.ResourceId = &ids
	response, err := s.c.ListTagResources(request)
	if err != nil {
		return nil, oldSDKError(err)
	}
	out := []TagResource{}
	for _, r := range response.TagResources.TagResource {
		out = append(out, TagResource{ID: r.ResourceId, Type: r.ResourceType, Key: r.TagKey, Value: r.TagValue})
	}
	return out, nil
}
