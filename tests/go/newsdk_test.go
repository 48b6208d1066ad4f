package clients

// The current Go SDK, github.com/alibabacloud-go/ecs-20140526/v7 on darabonba-openapi/v2: by
// default ACS3-HMAC-SHA256 (V3) with the action in x-acs-action; SignatureAlgorithm "v2" switches
// it to RPC HMAC-SHA1 (V1) requests.

import (
	"errors"
	"testing"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
)

type newSDK struct{ c *ecs.Client }

func connectNewSDK(signatureAlgorithm string) func(*testing.T, credential) ecsClient {
	return func(t *testing.T, cred credential) ecsClient {
		t.Helper()
		config := &openapiutil.Config{
			AccessKeyId:     dara.String(cred.ID),
			AccessKeySecret: dara.String(cred.Secret),
			Endpoint:        dara.String(endpoint),
			Protocol:        dara.String(scheme),
			RegionId:        dara.String(region),
		}
		if signatureAlgorithm != "" {
			config.SignatureAlgorithm = dara.String(signatureAlgorithm)
		}
		client, err := ecs.NewClient(config)
		if err != nil {
			t.Fatalf("ecs.NewClient: %v", err)
		}
		return newSDK{client}
	}
}

func TestNewSDK(t *testing.T) {
	runFlavours(t, []flavour{
		{name: "v7-acs3", owner: "LTAI5tGoV3Owner", shared: "LTAI5tGoV3Shared", stranger: "LTAI5tStranger", connect: connectNewSDK("")},
		{name: "v7-hmac-sha1", owner: "LTAI5tGoV1Owner", shared: "LTAI5tGoV1Shared", stranger: "LTAI5tStranger", connect: connectNewSDK("v2")},
	})
}

// newSDKError turns the SDK's error (tea.SDKError, as the client wraps every server error by
// default) into an *APIError.
func newSDKError(err error) error {
	if err == nil {
		return nil
	}
	var sdkErr *tea.SDKError
	if errors.As(err, &sdkErr) {
		apiErr := &APIError{Code: tea.StringValue(sdkErr.Code), Message: tea.StringValue(sdkErr.Message), Status: tea.IntValue(sdkErr.StatusCode)}
		// Data is the error body as JSON; RequestId is part of it.
		apiErr.RequestID = requestIDOf(tea.StringValue(sdkErr.Data))
		return apiErr
	}
	return err
}

func strs(values []string) []*string { return dara.StringSlice(values) }

func tagsOf[T any](items []*T, pair func(*T) (*string, *string)) []Tag {
	out := []Tag{}
	for _, item := range items {
		key, value := pair(item)
		out = append(out, Tag{dara.StringValue(key), dara.StringValue(value)})
	}
	return out
}

func (s newSDK) CreateComponent(region, name, content string, tags []Tag) (string, error) {
	request := &ecs.CreateImageComponentRequest{
		RegionId: dara.String(region), Name: dara.String(name), Content: dara.String(content),
		ComponentType: dara.String("Build"), SystemType: dara.String("Linux"),
	}
	for _, tag := range tags {
		request.Tag = append(request.Tag, &ecs.CreateImageComponentRequestTag{Key: dara.String(tag.Key), Value: dara.String(tag.Value)})
	}
	response, err := s.c.CreateImageComponent(request)
	if err != nil {
		return "", newSDKError(err)
	}
	return dara.StringValue(response.Body.ImageComponentId), nil
}

func (s newSDK) DescribeComponents(region string, ids []string) ([]Component, error) {
	response, err := s.c.DescribeImageComponents(&ecs.DescribeImageComponentsRequest{
		RegionId: dara.String(region), ImageComponentId: strs(ids),
	})
	if err != nil {
		return nil, newSDKError(err)
	}
	out := []Component{}
	for _, c := range response.Body.ImageComponent.ImageComponentSet {
		out = append(out, Component{
			ID: dara.StringValue(c.ImageComponentId), Name: dara.StringValue(c.Name),
			Version: dara.StringValue(c.ComponentVersion), Owner: dara.StringValue(c.Owner),
			Type: dara.StringValue(c.ComponentType),
			Tags: tagsOf(c.Tags.Tag, func(t *ecs.DescribeImageComponentsResponseBodyImageComponentImageComponentSetTagsTag) (*string, *string) {
				return t.TagKey, t.TagValue
			}),
		})
	}
	return out, nil
}

func (s newSDK) DeleteComponent(region, id string) error {
	_, err := s.c.DeleteImageComponent(&ecs.DeleteImageComponentRequest{RegionId: dara.String(region), ImageComponentId: dara.String(id)})
	return newSDKError(err)
}

func (s newSDK) CreatePipeline(region string, spec PipelineSpec) (string, error) {
	request := &ecs.CreateImagePipelineRequest{
		RegionId: dara.String(region), BaseImageType: dara.String("IMAGE"), BaseImage: dara.String(spec.BaseImage),
		ToRegionId: strs(spec.ToRegions),
	}
	if spec.Name != "" {
		request.Name = dara.String(spec.Name)
	}
	if spec.BuildContent != "" {
		request.BuildContent = dara.String(spec.BuildContent)
	}
	if spec.ImagePrefix != "" {
		request.ImageOptions = &ecs.CreateImagePipelineRequestImageOptions{ImageName: dara.String(spec.ImagePrefix)}
	}
	if spec.DeleteInstanceOnFailure {
		request.DeleteInstanceOnFailure = dara.Bool(true)
	}
	if spec.SystemDiskSize != 0 {
		request.SystemDiskSize = dara.Int32(int32(spec.SystemDiskSize))
	}
	for _, account := range spec.AddAccounts {
		// The SDK models AddAccount.N as integers.
		id, err := parseAccount(account)
		if err != nil {
			return "", err
		}
		request.AddAccount = append(request.AddAccount, dara.Int64(id))
	}
	for _, tag := range spec.Tags {
		request.Tag = append(request.Tag, &ecs.CreateImagePipelineRequestTag{Key: dara.String(tag.Key), Value: dara.String(tag.Value)})
	}
	response, err := s.c.CreateImagePipeline(request)
	if err != nil {
		return "", newSDKError(err)
	}
	return dara.StringValue(response.Body.ImagePipelineId), nil
}

func (s newSDK) DescribePipelines(region string, ids []string) ([]Pipeline, error) {
	response, err := s.c.DescribeImagePipelines(&ecs.DescribeImagePipelinesRequest{
		RegionId: dara.String(region), ImagePipelineId: strs(ids),
	})
	if err != nil {
		return nil, newSDKError(err)
	}
	out := []Pipeline{}
	for _, p := range response.Body.ImagePipeline.ImagePipelineSet {
		out = append(out, Pipeline{
			ID: dara.StringValue(p.ImagePipelineId), Name: dara.StringValue(p.Name),
			BuildContent: dara.StringValue(p.BuildContent),
			ToRegions:    dara.StringSliceValue(p.ToRegionIds.ToRegionId),
			AddAccounts:  dara.StringSliceValue(p.AddAccounts.AddAccount),
			Tags: tagsOf(p.Tags.Tag, func(t *ecs.DescribeImagePipelinesResponseBodyImagePipelineImagePipelineSetTagsTag) (*string, *string) {
				return t.TagKey, t.TagValue
			}),
			DeleteInstanceOnFailure: dara.BoolValue(p.DeleteInstanceOnFailure),
		})
	}
	return out, nil
}

func (s newSDK) DeletePipeline(region, id string) error {
	_, err := s.c.DeleteImagePipeline(&ecs.DeleteImagePipelineRequest{RegionId: dara.String(region), ImagePipelineId: dara.String(id)})
	return newSDKError(err)
}

func (s newSDK) StartExecution(region, pipelineID string) (string, error) {
	response, err := s.c.StartImagePipelineExecution(&ecs.StartImagePipelineExecutionRequest{
		RegionId: dara.String(region), ImagePipelineId: dara.String(pipelineID),
	})
	if err != nil {
		return "", newSDKError(err)
	}
	return dara.StringValue(response.Body.ExecutionId), nil
}

func (s newSDK) CancelExecution(region, executionID string) error {
	_, err := s.c.CancelImagePipelineExecution(&ecs.CancelImagePipelineExecutionRequest{
		RegionId: dara.String(region), ExecutionId: dara.String(executionID),
	})
	return newSDKError(err)
}

func (s newSDK) DescribeExecution(region, executionID string) (Execution, error) {
	response, err := s.c.DescribeImagePipelineExecutions(&ecs.DescribeImagePipelineExecutionsRequest{
		RegionId: dara.String(region), ExecutionId: dara.String(executionID),
	})
	if err != nil {
		return Execution{}, newSDKError(err)
	}
	set := response.Body.ImagePipelineExecution.ImagePipelineExecutionSet
	if len(set) != 1 {
		return Execution{}, errorf("DescribeImagePipelineExecutions %s: %d executions", executionID, len(set))
	}
	e := set[0]
	return Execution{
		ID: dara.StringValue(e.ExecutionId), PipelineID: dara.StringValue(e.ImagePipelineId),
		Status: dara.StringValue(e.Status), ImageID: dara.StringValue(e.ImageId),
	}, nil
}

func (s newSDK) DescribeImages(region, ownerAlias, name string) ([]Image, error) {
	response, err := s.c.DescribeImages(&ecs.DescribeImagesRequest{
		RegionId: dara.String(region), ImageOwnerAlias: dara.String(ownerAlias), ImageName: dara.String(name),
		PageSize: dara.Int32(100),
	})
	if err != nil {
		return nil, newSDKError(err)
	}
	out := []Image{}
	for _, i := range response.Body.Images.Image {
		// ImageName matches by substring: keep the exact name.
		if dara.StringValue(i.ImageName) != name {
			continue
		}
		out = append(out, Image{
			ID: dara.StringValue(i.ImageId), Name: dara.StringValue(i.ImageName),
			OwnerAlias: dara.StringValue(i.ImageOwnerAlias), Status: dara.StringValue(i.Status),
			Copied: dara.BoolValue(i.IsCopied),
		})
	}
	return out, nil
}

func (s newSDK) SharedWith(region, imageID string) ([]string, error) {
	response, err := s.c.DescribeImageSharePermission(&ecs.DescribeImageSharePermissionRequest{
		RegionId: dara.String(region), ImageId: dara.String(imageID),
	})
	if err != nil {
		return nil, newSDKError(err)
	}
	out := []string{}
	for _, a := range response.Body.Accounts.Account {
		out = append(out, dara.StringValue(a.AliyunId))
	}
	return out, nil
}

func (s newSDK) DeleteImage(region, imageID string, force bool) error {
	request := &ecs.DeleteImageRequest{RegionId: dara.String(region), ImageId: dara.String(imageID)}
	if force {
		request.Force = dara.Bool(true)
	}
	_, err := s.c.DeleteImage(request)
	return newSDKError(err)
}

func (s newSDK) TagResources(region, resourceType string, ids []string, tags []Tag) error {
	request := &ecs.TagResourcesRequest{RegionId: dara.String(region), ResourceType: dara.String(resourceType), ResourceId: strs(ids)}
	for _, tag := range tags {
		request.Tag = append(request.Tag, &ecs.TagResourcesRequestTag{Key: dara.String(tag.Key), Value: dara.String(tag.Value)})
	}
	_, err := s.c.TagResources(request)
	return newSDKError(err)
}

func (s newSDK) UntagResources(region, resourceType string, ids, keys []string) error {
	_, err := s.c.UntagResources(&ecs.UntagResourcesRequest{
		RegionId: dara.String(region), ResourceType: dara.String(resourceType), ResourceId: strs(ids), TagKey: strs(keys),
	})
	return newSDKError(err)
}

func (s newSDK) ListTagResources(region, resourceType string, ids []string) ([]TagResource, error) {
	response, err := s.c.ListTagResources(&ecs.ListTagResourcesRequest{
		RegionId: dara.String(region), ResourceType: dara.String(resourceType), ResourceId: strs(ids),
	})
	if err != nil {
		return nil, newSDKError(err)
	}
	out := []TagResource{}
	for _, r := range response.Body.TagResources.TagResource {
		out = append(out, TagResource{
			ID: dara.StringValue(r.ResourceId), Type: dara.StringValue(r.ResourceType),
			Key: dara.StringValue(r.TagKey), Value: dara.StringValue(r.TagValue),
		})
	}
	return out, nil
}
