package clients

// The aliyun CLI (github.com/aliyun/aliyun-cli v3) cannot be built from its Go module (it needs a
// git submodule that module archives leave out), so its wire path is proven here through the same
// library configured exactly as the CLI configures it (openapi/invoker.go, openapi/rpc.go):
//
//   - sdk.NewClientWithOptions(profile region, sdk.NewConfig(), an AccessKey credential);
//   - a requests.CommonRequest with Product "Ecs", Version "2014-05-26", ApiName the action,
//     RegionId, Domain the --endpoint value and Scheme "http" (--insecure), or
//     "https" without --insecure when IBE_SCHEME is https (an emulator run with --tls);
//   - every --Name value flag in QueryParams (ECS declares its parameters in the query), lists as
//     --Name.N flags;
//   - Method POST (the API's declared method) or GET (--method GET);
//   - client.ProcessCommonRequest, whose JSON body the CLI prints.
//
// So `aliyun ecs CreateImagePipeline --region cn-hangzhou --endpoint 127.0.0.1:8080 --insecure
// --BaseImageType IMAGE --ToRegionId.1 cn-beijing …` sends what CreatePipeline below sends.

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
)

type cliRequests struct {
	c      *sdk.Client
	method string
}

func connectCLI(method string) func(*testing.T, credential) ecsClient {
	return func(t *testing.T, cred credential) ecsClient {
		t.Helper()
		client, err := sdk.NewClientWithOptions(region, sdk.NewConfig(), credentials.NewAccessKeyCredential(cred.ID, cred.Secret))
		if err != nil {
			t.Fatalf("sdk.NewClientWithOptions: %v", err)
		}
		client.AppendUserAgent("Aliyun-CLI", "3")
		return cliRequests{client, method}
	}
}

func TestCLICommonRequest(t *testing.T) {
	runFlavours(t, []flavour{
		{name: "cli-post", owner: "LTAI5tCliPostOwner", shared: "LTAI5tCliPostShared", stranger: "LTAI5tStranger", connect: connectCLI("POST")},
		{name: "cli-method-get", owner: "LTAI5tCliGetOwner", shared: "LTAI5tCliGetShared", stranger: "LTAI5tStranger", connect: connectCLI("GET")},
	})
}

// call sends one action the way `aliyun ecs <action> --region R --endpoint E --insecure
// [--method GET] --Flag value…` does, and decodes the printed JSON into out.
func (s cliRequests) call(action, region string, flags map[string]string, out any) error {
	request := requests.NewCommonRequest()
	request.Product = "Ecs"
	request.Version = "2014-05-26"
	request.ApiName = action
	request.RegionId = region
	request.Domain = endpoint
	request.Scheme = scheme
	request.Method = s.method
	for name, value := range flags {
		request.QueryParams[name] = value
	}
	response, err := s.c.ProcessCommonRequest(request)
	if err != nil {
		return oldSDKError(err)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(response.GetHttpContentBytes(), out)
}

// list adds NAME.1…NAME.n flags.
func list(flags map[string]string, name string, values []string) {
	for i, value := range values {
		flags[name+"."+strconv.Itoa(i+1)] = value
	}
}

// tagFlags adds Tag.N.Key / Tag.N.Value flags.
func tagFlags(flags map[string]string, tags []Tag) {
	for i, tag := range tags {
		n := strconv.Itoa(i + 1)
		flags["Tag."+n+".Key"] = tag.Key
		flags["Tag."+n+".Value"] = tag.Value
	}
}

// The JSON a CLI user reads (and filters with jq).
type cliTags struct {
	Tag []struct{ TagKey, TagValue string }
}

func (t cliTags) pairs() []Tag {
	out := []Tag{}
	for _, tag := range t.Tag {
		out = append(out, Tag{tag.TagKey, tag.TagValue})
	}
	return out
}

func (s cliRequests) CreateComponent(region, name, content string, tags []Tag) (string, error) {
	flags := map[string]string{"Name": name, "Content": content, "ComponentType": "Build", "SystemType": "Linux"}
	tagFlags(flags, tags)
	var out struct{ ImageComponentId string }
	err := s.call("CreateImageComponent", region, flags, &out)
	return out.ImageComponentId, err
}

func (s cliRequests) DescribeComponents(region string, ids []string) ([]Component, error) {
	flags := map[string]string{}
	list(flags, "ImageComponentId", ids)
	var out struct {
		ImageComponent struct {
			ImageComponentSet []struct {
				ImageComponentId, Name, ComponentVersion, Owner, ComponentType string
				Tags                                                           cliTags
			}
		}
	}
	if err := s.call("DescribeImageComponents", region, flags, &out); err != nil {
		return nil, err
	}
	components := []Component{}
	for _, c := range out.ImageComponent.ImageComponentSet {
		components = append(components, Component{
			ID: c.ImageComponentId, Name: c.Name, Version: c.ComponentVersion, Owner: c.Owner, Type: c.ComponentType,
			Tags: c.Tags.pairs(),
		})
	}
	return components, nil
}

func (s cliRequests) DeleteComponent(region, id string) error {
	return s.call("DeleteImageComponent", region, map[string]string{"ImageComponentId": id}, nil)
}

func (s cliRequests) CreatePipeline(region string, spec PipelineSpec) (string, error) {
	flags := map[string]string{"BaseImageType": "IMAGE", "BaseImage": spec.BaseImage}
	if spec.Name != "" {
		flags["Name"] = spec.Name
	}
	if spec.BuildContent != "" {
		flags["BuildContent"] = spec.BuildContent
	}
	if spec.ImagePrefix != "" {
		flags["ImageOptions.ImageName"] = spec.ImagePrefix
	}
	if spec.DeleteInstanceOnFailure {
		flags["DeleteInstanceOnFailure"] = "true"
	}
	if spec.SystemDiskSize != 0 {
		flags["SystemDiskSize"] = strconv.Itoa(spec.SystemDiskSize)
	}
	list(flags, "ToRegionId", spec.ToRegions)
	list(flags, "AddAccount", spec.AddAccounts)
	tagFlags(flags, spec.Tags)
	var out struct{ ImagePipelineId string }
	err := s.call("CreateImagePipeline", region, flags, &out)
	return out.ImagePipelineId, err
}

func (s cliRequests) DescribePipelines(region string, ids []string) ([]Pipeline, error) {
	flags := map[string]string{}
	list(flags, "ImagePipelineId", ids)
	var out struct {
		ImagePipeline struct {
			ImagePipelineSet []struct {
				ImagePipelineId, Name, BuildContent string
				ToRegionIds                         struct{ ToRegionId []string }
				AddAccounts                         struct{ AddAccount []string }
				Tags                                cliTags
				DeleteInstanceOnFailure             bool
			}
		}
	}
	if err := s.call("DescribeImagePipelines", region, flags, &out); err != nil {
		return nil, err
	}
	pipelines := []Pipeline{}
	for _, p := range out.ImagePipeline.ImagePipelineSet {
		pipelines = append(pipelines, Pipeline{
			ID: p.ImagePipelineId, Name: p.Name, BuildContent: p.BuildContent,
			ToRegions: p.ToRegionIds.ToRegionId, AddAccounts: p.AddAccounts.AddAccount,
			Tags: p.Tags.pairs(), DeleteInstanceOnFailure: p.DeleteInstanceOnFailure,
		})
	}
	return pipelines, nil
}

func (s cliRequests) DeletePipeline(region, id string) error {
	return s.call("DeleteImagePipeline", region, map[string]string{"ImagePipelineId": id}, nil)
}

func (s cliRequests) StartExecution(region, pipelineID string) (string, error) {
	var out struct{ ExecutionId string }
	err := s.call("StartImagePipelineExecution", region, map[string]string{"ImagePipelineId": pipelineID}, &out)
	return out.ExecutionId, err
}

func (s cliRequests) CancelExecution(region, executionID string) error {
	return s.call("CancelImagePipelineExecution", region, map[string]string{"ExecutionId": executionID}, nil)
}

func (s cliRequests) DescribeExecution(region, executionID string) (Execution, error) {
	var out struct {
		ImagePipelineExecution struct {
			ImagePipelineExecutionSet []struct{ ExecutionId, ImagePipelineId, Status, ImageId string }
		}
	}
	if err := s.call("DescribeImagePipelineExecutions", region, map[string]string{"ExecutionId": executionID}, &out); err != nil {
		return Execution{}, err
	}
	set := out.ImagePipelineExecution.ImagePipelineExecutionSet
	if len(set) != 1 {
		return Execution{}, errorf("DescribeImagePipelineExecutions %s: %d executions", executionID, len(set))
	}
	return Execution{ID: set[0].ExecutionId, PipelineID: set[0].ImagePipelineId, Status: set[0].Status, ImageID: set[0].ImageId}, nil
}

func (s cliRequests) DescribeImages(region, ownerAlias, name string) ([]Image, error) {
	flags := map[string]string{"ImageOwnerAlias": ownerAlias, "ImageName": name, "PageSize": "100"}
	var out struct {
		Images struct {
			Image []struct {
				ImageId, ImageName, ImageOwnerAlias, Status string
				IsCopied                                    bool
			}
		}
	}
	if err := s.call("DescribeImages", region, flags, &out); err != nil {
		return nil, err
	}
	images := []Image{}
	for _, i := range out.Images.Image {
		if i.ImageName == name {
			images = append(images, Image{ID: i.ImageId, Name: i.ImageName, OwnerAlias: i.ImageOwnerAlias, Status: i.Status, Copied: i.IsCopied})
		}
	}
	return images, nil
}

func (s cliRequests) SharedWith(region, imageID string) ([]string, error) {
	var out struct {
		Accounts struct{ Account []struct{ AliyunId string } }
	}
	if err := s.call("DescribeImageSharePermission", region, map[string]string{"ImageId": imageID}, &out); err != nil {
		return nil, err
	}
	accounts := []string{}
	for _, a := range out.Accounts.Account {
		accounts = append(accounts, a.AliyunId)
	}
	return accounts, nil
}

func (s cliRequests) DeleteImage(region, imageID string, force bool) error {
	flags := map[string]string{"ImageId": imageID}
	if force {
		flags["Force"] = "true"
	}
	return s.call("DeleteImage", region, flags, nil)
}

func (s cliRequests) TagResources(region, resourceType string, ids []string, tags []Tag) error {
	flags := map[string]string{"ResourceType": resourceType}
	list(flags, "ResourceId", ids)
	tagFlags(flags, tags)
	return s.call("TagResources", region, flags, nil)
}

func (s cliRequests) UntagResources(region, resourceType string, ids, keys []string) error {
	flags := map[string]string{"ResourceType": resourceType}
	list(flags, "ResourceId", ids)
	list(flags, "TagKey", keys)
	return s.call("UntagResources", region, flags, nil)
}

func (s cliRequests) ListTagResources(region, resourceType string, ids []string) ([]TagResource, error) {
	flags := map[string]string{"ResourceType": resourceType}
	list(flags, "ResourceId", ids)
	var out struct {
		TagResources struct {
			TagResource []struct{ ResourceId, ResourceType, TagKey, TagValue string }
		}
	}
	if err := s.call("ListTagResources", region, flags, &out); err != nil {
		return nil, err
	}
	resources := []TagResource{}
	for _, r := range out.TagResources.TagResource {
		resources = append(resources, TagResource{ID: r.ResourceId, Type: r.ResourceType, Key: r.TagKey, Value: r.TagValue})
	}
	return resources, nil
}
