//! Error cases of `CreateImagePipeline` (`src/actions/create_image_pipeline.rs`; docs/reference.md
//! §3.1.4): one test per documented code, with the nearby boundary that still succeeds.

use super::{
    borrowed, create_from_oss, create_from_oss_disk, create_with_build_content, message, numbered, tags, FAMILY,
    INSTANCE_TYPE, MARKETPLACE_IMAGE, OSS_DISK, OTHER_ACCOUNT, RESOURCE_GROUP, UNREPAIRABLE_IMAGE,
    UNSUPPORTED_OS_IMAGE, VSWITCH, WINDOWS_IMAGE,
};
use crate::helpers::{TestApp, BASE_IMAGE, REGION};

// ---------------------------------------------------------------------------------------------
// CreateImagePipeline: required parameters and regions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_without_region_id_is_400_missing_region_id() {
    let app = TestApp::spawn().await;
    let base = [("BaseImageType", "IMAGE"), ("BaseImage", BASE_IMAGE)];
    let reply = app.call("CreateImagePipeline", &base).await;
    reply.assert_error(400, "MissingRegionId");
    assert!(message(&reply).contains("RegionId"), "{}", reply.body);
    app.call("CreateImagePipeline", &[base[0], base[1], ("RegionId", "")]).await.assert_error(400, "MissingRegionId");
    app.call("CreateImagePipeline", &[base[0], base[1], ("RegionId", REGION)]).await.assert_ok();
}

#[tokio::test]
async fn create_in_or_copying_to_an_unknown_region_is_404_invalid_region_id_not_found() {
    let app = TestApp::spawn().await;
    app.try_create(&[("RegionId", "xx-nowhere-1")]).await.assert_error(404, "InvalidRegionId.NotFound");
    app.try_create(&[("ToRegionId.1", "xx-nowhere-1")]).await.assert_error(404, "InvalidRegionId.NotFound");
    app.try_create(&[("ToRegionId.1", "cn-beijing"), ("ToRegionId.2", "xx-nowhere-1")])
        .await
        .assert_error(404, "InvalidRegionId.NotFound");
    app.try_create(&[("RegionId", "cn-beijing"), ("ToRegionId.1", "eu-central-1")]).await.assert_ok();
}

#[tokio::test]
async fn create_without_base_image_type_is_400_missing_base_image_type() {
    let app = TestApp::spawn().await;
    let reply = app.call_in_region("CreateImagePipeline", &[("BaseImage", BASE_IMAGE)]).await;
    reply.assert_error(400, "MissingBaseImageType");
    app.try_create(&[("BaseImageType", "")]).await.assert_error(400, "MissingBaseImageType");
    app.try_create(&[]).await.assert_ok();
}

#[tokio::test]
async fn create_with_unknown_base_image_type_is_400_invalid_base_image_type_not_supported_value() {
    let app = TestApp::spawn().await;
    for bad in ["SNAPSHOT", "image", "Image_Family"] {
        app.try_create(&[("BaseImageType", bad)]).await.assert_error(400, "InvalidBaseImageType.NotSupportedValue");
    }
    app.try_create(&[("BaseImageType", "IMAGE_FAMILY"), ("BaseImage", FAMILY)]).await.assert_ok();
}

#[tokio::test]
async fn create_from_image_without_base_image_is_400_missing_base_image() {
    let app = TestApp::spawn().await;
    app.call_in_region("CreateImagePipeline", &[("BaseImageType", "IMAGE")])
        .await
        .assert_error(400, "MissingBaseImage");
    app.call_in_region("CreateImagePipeline", &[("BaseImageType", "IMAGE_FAMILY")])
        .await
        .assert_error(400, "MissingBaseImage");
    app.try_create(&[("BaseImage", "")]).await.assert_error(400, "MissingBaseImage");
    app.try_create(&[]).await.assert_ok();
}

// ---------------------------------------------------------------------------------------------
// CreateImagePipeline: names, descriptions, image options
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_with_malformed_name_is_400_invalid_name_malformed() {
    let app = TestApp::spawn().await;
    let too_long = "n".repeat(129);
    for bad in ["a", too_long.as_str(), "1template", "my template", "http://template", "-dash", "a/b"] {
        app.try_create(&[("Name", bad)]).await.assert_error(400, "InvalidName.Malformed");
    }
    let longest = "n".repeat(128);
    for good in ["ab", longest.as_str(), "模板", "my-template_1.0:x"] {
        app.try_create(&[("Name", good)]).await.assert_ok();
    }
}

#[tokio::test]
async fn create_with_malformed_description_is_400_invalid_description_malformed() {
    let app = TestApp::spawn().await;
    let too_long = "d".repeat(257);
    for bad in ["d", too_long.as_str(), "http://example.com", "https://example.com"] {
        app.try_create(&[("Description", bad)]).await.assert_error(400, "InvalidDescription.Malformed");
    }
    let longest = "d".repeat(256);
    for good in ["de", longest.as_str(), "A description with spaces, see http://example.com"] {
        app.try_create(&[("Description", good)]).await.assert_ok();
    }
}

#[tokio::test]
async fn create_with_malformed_image_name_is_400_invalid_image_name_malformed() {
    let app = TestApp::spawn().await;
    let too_long = "i".repeat(65);
    for param in ["ImageOptions.ImageName", "ImageName"] {
        for bad in ["i", too_long.as_str(), "1image", "my image", "https://image"] {
            app.try_create(&[(param, bad)]).await.assert_error(400, "InvalidImageName.Malformed");
        }
        let longest = "i".repeat(64);
        for good in ["im", longest.as_str(), "golden-image_v1.0:x"] {
            app.try_create(&[(param, good)]).await.assert_ok();
        }
    }
}

#[tokio::test]
async fn create_with_malformed_image_family_is_400_invalid_image_family_malformed() {
    let app = TestApp::spawn().await;
    let too_long = "f".repeat(129);
    for param in ["ImageOptions.ImageFamily", "ImageFamily"] {
        for bad in ["f", too_long.as_str(), "my.family", "aliyun-family", "acs:family", "1family", "my family"] {
            app.try_create(&[(param, bad)]).await.assert_error(400, "InvalidImageFamily.Malformed");
        }
        let longest = "f".repeat(128);
        for good in ["fa", longest.as_str(), "my-family:v1_x"] {
            app.try_create(&[(param, good)]).await.assert_ok();
        }
    }
}

#[tokio::test]
async fn create_with_malformed_image_options_description_is_400_invalid_image_options_description() {
    let app = TestApp::spawn().await;
    let too_long = "d".repeat(257);
    for bad in ["d", too_long.as_str(), "http://example.com/image"] {
        app.try_create(&[("ImageOptions.Description", bad)]).await.assert_error(400, "InvalidImageOptions.Description");
    }
    let longest = "d".repeat(256);
    for good in ["de", longest.as_str()] {
        app.try_create(&[("ImageOptions.Description", good)]).await.assert_ok();
    }
}

#[tokio::test]
async fn create_with_unknown_nvme_support_is_400_invalid_parameter_nvme_support() {
    let app = TestApp::spawn().await;
    for param in ["NvmeSupport", "ImageOptions.ImageFeatures.NvmeSupport"] {
        for bad in ["yes", "Supported", "AUTO"] {
            app.try_create(&[(param, bad)]).await.assert_error(400, "InvalidParameter.NvmeSupport");
        }
        for good in ["supported", "unsupported", "auto"] {
            app.try_create(&[(param, good)]).await.assert_ok();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CreateImagePipeline: numbers, booleans and lists
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_with_system_disk_size_out_of_range_is_400_invalid_system_disk_size_not_supported_value() {
    let app = TestApp::spawn().await;
    for bad in ["19", "501", "0", "-40"] {
        app.try_create(&[("SystemDiskSize", bad)]).await.assert_error(400, "InvalidSystemDiskSize.NotSupportedValue");
    }
    for good in ["20", "500"] {
        app.try_create(&[("SystemDiskSize", good)]).await.assert_ok();
    }
}

#[tokio::test]
async fn create_with_bandwidth_out_of_range_is_400_invalid_internet_max_bandwidth_out_not_supported_value() {
    let app = TestApp::spawn().await;
    for bad in ["101", "-1"] {
        app.try_create(&[("InternetMaxBandwidthOut", bad)])
            .await
            .assert_error(400, "InvalidInternetMaxBandwidthOut.NotSupportedValue");
    }
    for good in ["0", "100"] {
        app.try_create(&[("InternetMaxBandwidthOut", good)]).await.assert_ok();
    }
}

#[tokio::test]
async fn create_with_mistyped_values_is_400_invalid_parameter_naming_the_parameter() {
    let app = TestApp::spawn().await;
    for (param, bad, named) in [
        ("SystemDiskSize", "abc", "SystemDiskSize"),
        ("SystemDiskSize", "40.5", "SystemDiskSize"),
        ("InternetMaxBandwidthOut", "ten", "InternetMaxBandwidthOut"),
        ("DeleteInstanceOnFailure", "maybe", "DeleteInstanceOnFailure"),
        ("AddAccount.1", "notanumber", "AddAccount"),
    ] {
        let reply = app.try_create(&[(param, bad)]).await;
        reply.assert_error(400, "InvalidParameter");
        assert!(message(&reply).contains(named), "{param}={bad}: {}", reply.body);
    }
    for (param, good) in [
        ("SystemDiskSize", "40"),
        ("DeleteInstanceOnFailure", "False"),
        ("DeleteInstanceOnFailure", "TRUE"),
        ("AdvancedOptions.RetainCloudAssistant", "true"),
        ("AddAccount.1", "1234567890"),
    ] {
        app.try_create(&[(param, good)]).await.assert_ok();
    }
}

#[tokio::test]
async fn create_with_mistyped_nested_values_is_400_invalid_parameter_naming_the_full_parameter() {
    let app = TestApp::spawn().await;
    let reply = app.try_create(&[("AdvancedOptions.RetainCloudAssistant", "yes")]).await;
    reply.assert_error(400, "InvalidParameter");
    assert!(message(&reply).contains("\"AdvancedOptions.RetainCloudAssistant\""), "{}", reply.body);
    let reply = create_from_oss_disk(&app, &[("ImportImageOptions.RetainImportedImage", "maybe")]).await;
    reply.assert_error(400, "InvalidParameter");
    assert!(message(&reply).contains("\"ImportImageOptions.RetainImportedImage\""), "{}", reply.body);
    app.try_create(&[("AdvancedOptions.RetainCloudAssistant", "true")]).await.assert_ok();
}

#[tokio::test]
async fn create_sharing_with_21_accounts_is_400_invalid_add_account_size_exceeded_max_number() {
    let app = TestApp::spawn().await;
    let accounts = numbered("AddAccount", 21, |i| (1_234_567_890_000_000 + i).to_string());
    app.try_create(&borrowed(&accounts)).await.assert_error(400, "InvalidAddAccountSize.ExceededMaxNumber");
    app.try_create(&borrowed(&accounts[..20])).await.assert_ok();
}

#[tokio::test]
async fn create_copying_to_21_regions_is_400_invalid_to_region_id_size_exceeded_max_number() {
    let app = TestApp::spawn().await;
    let regions = numbered("ToRegionId", 21, |i| ecs_imagebuilder_emulator::catalog::REGIONS[i - 1].to_string());
    app.try_create(&borrowed(&regions)).await.assert_error(400, "InvalidToRegionIdSize.ExceededMaxNumber");
    app.try_create(&borrowed(&regions[..20])).await.assert_ok();
}

// ---------------------------------------------------------------------------------------------
// CreateImagePipeline: tags (docs/reference.md §2.11)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_with_21_tags_is_400_number_exceed_tags() {
    let app = TestApp::spawn().await;
    for prefix in ["Tag", "ImageOptions.ImageTags"] {
        let many = tags(prefix, 21);
        app.try_create(&borrowed(&many)).await.assert_error(400, "NumberExceed.Tags");
        app.try_create(&borrowed(&many[..40])).await.assert_ok();
    }
}

#[tokio::test]
async fn create_with_malformed_tag_key_is_400_invalid_tag_key_malformed() {
    let app = TestApp::spawn().await;
    let too_long = "k".repeat(129);
    for bad in ["aliyun-owner", "acs:owner", "see-http://x", "https://x", too_long.as_str()] {
        app.try_create(&[("Tag.1.Key", bad), ("Tag.1.Value", "v")]).await.assert_error(400, "InvalidTagKey.Malformed");
    }
    // A tag with a value but no key.
    app.try_create(&[("Tag.1.Value", "v")]).await.assert_error(400, "InvalidTagKey.Malformed");
    let longest = "k".repeat(128);
    for good in ["k", longest.as_str(), "owner:aliyun"] {
        app.try_create(&[("Tag.1.Key", good), ("Tag.1.Value", "v")]).await.assert_ok();
    }
}

#[tokio::test]
async fn create_with_malformed_tag_value_is_400_invalid_tag_value_malformed() {
    let app = TestApp::spawn().await;
    let too_long = "v".repeat(129);
    for bad in ["http://example.com", "see https://example.com", "acs:value", too_long.as_str()] {
        app.try_create(&[("Tag.1.Key", "k"), ("Tag.1.Value", bad)])
            .await
            .assert_error(400, "InvalidTagValue.Malformed");
    }
    let longest = "v".repeat(128);
    for good in ["", "v", longest.as_str()] {
        app.try_create(&[("Tag.1.Key", "k"), ("Tag.1.Value", good)]).await.assert_ok();
    }
    app.try_create(&[("Tag.1.Key", "k")]).await.assert_ok();
}

#[tokio::test]
async fn create_with_duplicate_tag_keys_is_400_duplicate_tag_key() {
    let app = TestApp::spawn().await;
    app.try_create(&[("Tag.1.Key", "env"), ("Tag.1.Value", "a"), ("Tag.2.Key", "env"), ("Tag.2.Value", "b")])
        .await
        .assert_error(400, "Duplicate.TagKey");
    app.try_create(&[("Tag.1.Key", "env"), ("Tag.1.Value", "a"), ("Tag.2.Key", "team"), ("Tag.2.Value", "a")])
        .await
        .assert_ok();
}

// ---------------------------------------------------------------------------------------------
// CreateImagePipeline: advanced options and repair
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_with_image_name_suffix_other_than_disable_is_400_invalid_advanced_options_image_name_suffix() {
    let app = TestApp::spawn().await;
    for bad in ["enable", "Disable", "none"] {
        app.try_create(&[("AdvancedOptions.ImageNameSuffix", bad)])
            .await
            .assert_error(400, "InvalidAdvancedOptions.ImageNameSuffix");
    }
    app.try_create(&[("AdvancedOptions.ImageNameSuffix", "disable")]).await.assert_ok();
}

#[tokio::test]
async fn create_with_unknown_repair_mode_is_400_invalid_parameter_repair_mode() {
    let app = TestApp::spawn().await;
    for bad in ["Quick", "standard", "ALL"] {
        app.try_create(&[("RepairMode", bad)]).await.assert_error(400, "InvalidParameter.RepairMode");
    }
    for good in ["Standard", "All"] {
        app.try_create(&[("RepairMode", good)]).await.assert_ok();
    }
    app.try_create(&[("RepairMode", "Customized"), ("RepairItem.1", "grub")]).await.assert_ok();
}

#[tokio::test]
async fn create_with_repair_items_but_no_repair_mode_is_404_missing_parameter_repair_mode() {
    let app = TestApp::spawn().await;
    app.try_create(&[("RepairItem.1", "grub")]).await.assert_error(404, "MissingParameter.RepairMode");
    app.try_create(&[("RepairItem.1", "grub"), ("RepairItem.2", "fstab")])
        .await
        .assert_error(404, "MissingParameter.RepairMode");
    app.try_create(&[("RepairMode", "Customized"), ("RepairItem.1", "grub"), ("RepairItem.2", "fstab")])
        .await
        .assert_ok();
}

#[tokio::test]
async fn create_with_conflicting_parameters_is_400_invalid_parameter_combination() {
    let app = TestApp::spawn().await;
    // Customized repair needs items; items need Customized; OSS takes no BaseImage.
    app.try_create(&[("RepairMode", "Customized")]).await.assert_error(400, "InvalidParameterCombination");
    app.try_create(&[("RepairMode", "Standard"), ("RepairItem.1", "grub")])
        .await
        .assert_error(400, "InvalidParameterCombination");
    create_from_oss_disk(&app, &[("BaseImage", BASE_IMAGE)]).await.assert_error(400, "InvalidParameterCombination");
    app.try_create(&[("RepairMode", "Customized"), ("RepairItem.1", "grub")]).await.assert_ok();
    create_from_oss_disk(&app, &[]).await.assert_ok();
}

#[tokio::test]
async fn create_repairing_an_unrepairable_image_is_400_invalid_image_not_support_repair() {
    let app = TestApp::spawn().await;
    app.try_create(&[("BaseImage", UNREPAIRABLE_IMAGE), ("RepairMode", "Standard")])
        .await
        .assert_error(400, "InvalidImage.NotSupportRepair");
    app.try_create(&[("BaseImage", UNREPAIRABLE_IMAGE), ("RepairMode", "Customized"), ("RepairItem.1", "grub")])
        .await
        .assert_error(400, "InvalidImage.NotSupportRepair");
    app.try_create(&[("BaseImage", UNREPAIRABLE_IMAGE)]).await.assert_ok();
    app.try_create(&[("RepairMode", "Standard")]).await.assert_ok();
}

// ---------------------------------------------------------------------------------------------
// CreateImagePipeline: BuildContent / TestContent (docs/reference.md §6)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_with_build_content_over_16_kb_is_400_invalid_build_content_length_exceeded() {
    let app = TestApp::spawn().await;
    let exactly_16_kb = format!("RUN {}", "x".repeat(16 * 1024 - 4));
    assert_eq!(exactly_16_kb.len(), 16384);
    create_with_build_content(&app, &exactly_16_kb).await.assert_ok();
    let one_byte_more = format!("{exactly_16_kb}x");
    create_with_build_content(&app, &one_byte_more).await.assert_error(400, "InvalidBuildContent.LengthExceeded");
    // Bytes, not characters: 16 384 characters of two bytes each are too large.
    let multibyte = format!("RUN echo {}", "é".repeat(8190));
    assert!(multibyte.chars().count() <= 16384 && multibyte.len() > 16384);
    create_with_build_content(&app, &multibyte).await.assert_error(400, "InvalidBuildContent.LengthExceeded");
}

#[tokio::test]
async fn create_with_128_commands_is_400_invalid_image_template_command_size_exceeded_max_number() {
    let app = TestApp::spawn().await;
    let commands = |n: usize| (1..=n).map(|i| format!("RUN echo {i}\n")).collect::<String>();
    create_with_build_content(&app, &commands(128))
        .await
        .assert_error(400, "InvalidImageTemplateCommandSize.ExceededMaxNumber");
    create_with_build_content(&app, &commands(127)).await.assert_ok();
    // Blank lines and comments are not commands; a continued command counts once.
    let padded = format!("# header\n\n{}RUN echo a \\\n  echo b\n", commands(126));
    create_with_build_content(&app, &padded).await.assert_ok();
}

#[tokio::test]
async fn create_with_two_from_commands_is_400_duplicated_command_from() {
    let app = TestApp::spawn().await;
    create_with_build_content(&app, "FROM IMAGE:m-bp1\nFROM IMAGE:m-bp2\nRUN echo hi")
        .await
        .assert_error(400, "DuplicatedCommand.FROM");
    create_with_build_content(&app, &format!("FROM IMAGE:{BASE_IMAGE}\nRUN echo hi")).await.assert_ok();
}

#[tokio::test]
async fn create_with_from_after_another_command_is_400_invalid_command_order_from() {
    let app = TestApp::spawn().await;
    create_with_build_content(&app, &format!("RUN echo hi\nFROM IMAGE:{BASE_IMAGE}"))
        .await
        .assert_error(400, "InvalidCommandOrder.FROM");
    create_with_build_content(&app, &format!("# comment first\n\nFROM IMAGE:{BASE_IMAGE}\nRUN echo hi"))
        .await
        .assert_ok();
}

#[tokio::test]
async fn create_with_unknown_command_is_400_invalid_image_template_command_not_supported() {
    let app = TestApp::spawn().await;
    for bad in ["APT install nginx", "run echo hi", "RUN echo ok\nADD a b", "EXPOSE 80"] {
        create_with_build_content(&app, bad).await.assert_error(400, "InvalidImageTemplateCommand.NotSupported");
    }
    create_with_build_content(&app, "RUN echo hi").await.assert_ok();
}

// Every `InvalidCommandContent.X` / `EmptyCommandContent.X` / `NotEmptyCommandContent.RESTART` /
// `InvalidParameter.BuildContent` / `InvalidParameter.TestContent` case, bad and good, lives in
// `tests/cases/templates.json`, which `template_cases.rs` sends to the API and gives to `lint`.

// ---------------------------------------------------------------------------------------------
// CreateImagePipeline: base image, instance type, vSwitch, resource group
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_from_an_unsupported_os_is_400_invalid_image_os_type_unsupported() {
    let app = TestApp::spawn().await;
    app.try_create(&[("BaseImage", UNSUPPORTED_OS_IMAGE)]).await.assert_error(400, "InvalidImage.OsTypeUnsupported");
    app.try_create(&[("BaseImage", "ubuntu_22_04_x64_20G_alibase_20240710.vhd")]).await.assert_ok();
}

#[tokio::test]
async fn create_from_a_windows_image_is_403_image_pipeline_not_support_windows_instance() {
    let app = TestApp::spawn().await;
    app.try_create(&[("BaseImage", WINDOWS_IMAGE)]).await.assert_error(403, "ImagePipeline.NotSupportWindowsInstance");
    app.try_create(&[("BaseImageType", "IMAGE_FAMILY"), ("BaseImage", "acs:windows_server_2022_datacenter_en-us")])
        .await
        .assert_error(403, "ImagePipeline.NotSupportWindowsInstance");
    app.try_create(&[("BaseImage", "debian_12_6_x64_20G_alibase_20240717.vhd")]).await.assert_ok();
}

#[tokio::test]
async fn create_distributing_a_marketplace_image_is_400_invalid_image_image_owner_alias_unsupported() {
    let app = TestApp::spawn().await;
    app.try_create(&[("BaseImage", MARKETPLACE_IMAGE), ("ToRegionId.1", "cn-beijing")])
        .await
        .assert_error(400, "InvalidImage.ImageOwnerAliasUnsupported");
    app.try_create(&[("BaseImage", MARKETPLACE_IMAGE), ("AddAccount.1", "1234567890")])
        .await
        .assert_error(400, "InvalidImage.ImageOwnerAliasUnsupported");
    app.try_create(&[("BaseImage", MARKETPLACE_IMAGE)]).await.assert_ok();
    app.try_create(&[("ToRegionId.1", "cn-beijing"), ("AddAccount.1", "1234567890")]).await.assert_ok();
}

#[tokio::test]
async fn create_from_an_unknown_image_or_family_is_404_invalid_image_not_found() {
    let app = TestApp::spawn().await;
    app.try_create(&[("BaseImage", "m-doesnotexist0000001")]).await.assert_error(404, "InvalidImage.NotFound");
    app.try_create(&[("BaseImageType", "IMAGE_FAMILY"), ("BaseImage", "acs:no_such_family")])
        .await
        .assert_error(404, "InvalidImage.NotFound");
    // A family name is not an image ID, and an image ID is not a family.
    app.try_create(&[("BaseImage", FAMILY)]).await.assert_error(404, "InvalidImage.NotFound");
    app.try_create(&[("BaseImageType", "IMAGE_FAMILY"), ("BaseImage", BASE_IMAGE)])
        .await
        .assert_error(404, "InvalidImage.NotFound");
    app.try_create(&[("BaseImageType", "IMAGE_FAMILY"), ("BaseImage", FAMILY)]).await.assert_ok();
}

#[tokio::test]
async fn create_with_an_unknown_instance_type_is_404_invalid_instance_type_not_found() {
    let app = TestApp::spawn().await;
    for bad in ["ecs.nope.large", "ecs.g6.LARGE", "g6.large"] {
        app.try_create(&[("InstanceType", bad)]).await.assert_error(404, "InvalidInstanceType.NotFound");
    }
    app.try_create(&[("InstanceType", INSTANCE_TYPE)]).await.assert_ok();
}

#[tokio::test]
async fn create_with_an_unknown_or_foreign_vswitch_is_404_invalid_vswitch_id_not_found() {
    let app = TestApp::spawn().await;
    for bad in ["vsw-doesnotexist0001", "vsw-cnbeijinga0001"] {
        app.try_create(&[("VSwitchId", bad)]).await.assert_error(404, "InvalidVSwitchId.NotFound");
    }
    app.try_create(&[("VSwitchId", VSWITCH)]).await.assert_ok();
    app.try_create(&[("RegionId", "cn-beijing"), ("VSwitchId", "vsw-cnbeijinga0001")]).await.assert_ok();
}

#[tokio::test]
async fn create_in_an_unknown_resource_group_is_404_invalid_resource_group_not_found() {
    let app = TestApp::spawn().await;
    app.try_create(&[("ResourceGroupId", "rg-doesnotexist00001")])
        .await
        .assert_error(404, "InvalidResourceGroup.NotFound");
    app.try_create(&[("ResourceGroupId", RESOURCE_GROUP)]).await.assert_ok();
}

// ---------------------------------------------------------------------------------------------
// CreateImagePipeline: quota and idempotency
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_beyond_the_quota_is_400_quota_exceed_image_pipeline() {
    let app = TestApp::spawn_with(|c| c.pipeline_quota = Some(1)).await;
    app.try_create(&[]).await.assert_ok();
    app.try_create(&[]).await.assert_error(400, "QuotaExceed.ImagePipeline");
    // The quota is per account and region.
    app.try_create(&[("RegionId", "cn-beijing")]).await.assert_ok();
    app.try_create(&[("AccessKeyId", OTHER_ACCOUNT)]).await.assert_ok();
}

#[tokio::test]
async fn create_reusing_a_client_token_with_other_parameters_is_400_idempotent_parameter_mismatch() {
    let app = TestApp::spawn().await;
    let first = app.try_create(&[("ClientToken", "token-1"), ("Name", "first")]).await;
    let id = first.assert_ok()["ImagePipelineId"].clone();
    let replay = app.try_create(&[("ClientToken", "token-1"), ("Name", "first")]).await;
    assert_eq!(replay.assert_ok()["ImagePipelineId"], id);
    app.try_create(&[("ClientToken", "token-1"), ("Name", "second")])
        .await
        .assert_error(400, "IdempotentParameterMismatch");
    app.try_create(&[("ClientToken", "token-1"), ("Name", "first"), ("SystemDiskSize", "60")])
        .await
        .assert_error(400, "IdempotentParameterMismatch");
    app.try_create(&[("ClientToken", "token-2"), ("Name", "second")]).await.assert_ok();
}

#[tokio::test]
async fn create_with_a_client_token_over_64_chars_is_400_invalid_parameter() {
    let app = TestApp::spawn().await;
    let too_long = "t".repeat(65);
    for bad in [too_long.as_str(), "jeton-déjà-vu"] {
        let reply = app.try_create(&[("ClientToken", bad)]).await;
        reply.assert_error(400, "InvalidParameter");
        assert!(message(&reply).contains("ClientToken"), "{}", reply.body);
    }
    app.try_create(&[("ClientToken", "t".repeat(64).as_str())]).await.assert_ok();
}

// ---------------------------------------------------------------------------------------------
// CreateImagePipeline: BaseImageType=OSS (ImportImageOptions)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_from_oss_without_import_options_is_404_missing_parameter_import_image_options() {
    let app = TestApp::spawn().await;
    create_from_oss(&app, &[]).await.assert_error(404, "MissingParameter.ImportImageOptions");
    create_from_oss(&app, &[("Name", "from-oss")]).await.assert_error(404, "MissingParameter.ImportImageOptions");
    create_from_oss_disk(&app, &[]).await.assert_ok();
}

#[tokio::test]
async fn create_from_oss_without_disks_is_404_missing_parameter_image_options_disk_device_mappings() {
    let app = TestApp::spawn().await;
    create_from_oss(&app, &[("ImportImageOptions.Architecture", "x86_64")])
        .await
        .assert_error(404, "MissingParameter.ImageOptionsDiskDeviceMappings");
    create_from_oss(&app, &[("ImportImageOptions.OSType", "linux"), ("ImportImageOptions.BootMode", "BIOS")])
        .await
        .assert_error(404, "MissingParameter.ImageOptionsDiskDeviceMappings");
    create_from_oss_disk(&app, &[("ImportImageOptions.Architecture", "x86_64")]).await.assert_ok();
}

#[tokio::test]
async fn create_from_oss_disk_without_bucket_is_404_missing_parameter_import_image_options_disk_device_mappings_oss_bucket(
) {
    let app = TestApp::spawn().await;
    create_from_oss(&app, &[OSS_DISK[1]])
        .await
        .assert_error(404, "MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket");
    // The second disk lacks its bucket.
    create_from_oss_disk(&app, &[("ImportImageOptions.DiskDeviceMappings.2.OSSObject", "data.raw")])
        .await
        .assert_error(404, "MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket");
    create_from_oss_disk(
        &app,
        &[
            ("ImportImageOptions.DiskDeviceMappings.2.OSSBucket", "my-images"),
            ("ImportImageOptions.DiskDeviceMappings.2.OSSObject", "data.raw"),
        ],
    )
    .await
    .assert_ok();
}

#[tokio::test]
async fn create_from_oss_disk_without_object_is_404_missing_parameter_import_image_options_disk_device_mappings_oss_object(
) {
    let app = TestApp::spawn().await;
    create_from_oss(&app, &[OSS_DISK[0]])
        .await
        .assert_error(404, "MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSObject");
    create_from_oss_disk(&app, &[("ImportImageOptions.DiskDeviceMappings.1.OSSObject", "")])
        .await
        .assert_error(404, "MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSObject");
    create_from_oss_disk(&app, &[]).await.assert_ok();
}

#[tokio::test]
async fn create_from_oss_with_malformed_bucket_is_400_invalid_parameter_import_image_options_disk_device_mappings_oss_bucket(
) {
    let app = TestApp::spawn().await;
    let too_long = "b".repeat(64);
    for bad in ["My-Images", "my_images", "-images", "images-", "my.images", too_long.as_str()] {
        create_from_oss_disk(&app, &[("ImportImageOptions.DiskDeviceMappings.1.OSSBucket", bad)])
            .await
            .assert_error(400, "InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket");
    }
    let longest = "b".repeat(63);
    for good in ["abc", "my-images-2024", longest.as_str()] {
        create_from_oss_disk(&app, &[("ImportImageOptions.DiskDeviceMappings.1.OSSBucket", good)]).await.assert_ok();
    }
}

#[tokio::test]
async fn create_from_oss_with_malformed_object_is_400_invalid_parameter_import_image_options_disk_device_mappings_oss_object(
) {
    let app = TestApp::spawn().await;
    let too_long = "o".repeat(1024);
    for bad in ["http://bucket/system.raw", "https://bucket/system.raw", too_long.as_str()] {
        create_from_oss_disk(&app, &[("ImportImageOptions.DiskDeviceMappings.1.OSSObject", bad)])
            .await
            .assert_error(400, "InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSObject");
    }
    let longest = "o".repeat(1023);
    for good in ["system.raw", "dir/sub dir/system.vhd", longest.as_str()] {
        create_from_oss_disk(&app, &[("ImportImageOptions.DiskDeviceMappings.1.OSSObject", good)]).await.assert_ok();
    }
}

#[tokio::test]
async fn create_from_oss_with_unknown_disk_format_is_400_invalid_parameter_import_image_options_disk_device_mappings_format(
) {
    let app = TestApp::spawn().await;
    for bad in ["ISO", "qcow2", "VMDK"] {
        create_from_oss_disk(&app, &[("ImportImageOptions.DiskDeviceMappings.1.Format", bad)])
            .await
            .assert_error(400, "InvalidParameter.ImportImageOptionsDiskDeviceMappingsFormat");
    }
    for good in ["RAW", "VHD", "QCOW2"] {
        create_from_oss_disk(&app, &[("ImportImageOptions.DiskDeviceMappings.1.Format", good)]).await.assert_ok();
    }
}

#[tokio::test]
async fn create_from_oss_with_disk_image_size_out_of_range_is_400_invalid_operation_disk_image_size_exceeded() {
    let app = TestApp::spawn().await;
    for bad in ["0", "2049", "-1"] {
        create_from_oss_disk(&app, &[("ImportImageOptions.DiskDeviceMappings.1.DiskImageSize", bad)])
            .await
            .assert_error(400, "InvalidOperation.DiskImageSizeExceeded");
    }
    for good in ["1", "2048"] {
        create_from_oss_disk(&app, &[("ImportImageOptions.DiskDeviceMappings.1.DiskImageSize", good)])
            .await
            .assert_ok();
    }
}

#[tokio::test]
async fn create_from_oss_with_18_disks_is_400_invalid_import_image_options_disk_device_mappings_length_limit_exceeded()
{
    let app = TestApp::spawn().await;
    let disks = |n: usize| -> Vec<(String, String)> {
        (1..=n)
            .flat_map(|i| {
                [
                    (format!("ImportImageOptions.DiskDeviceMappings.{i}.OSSBucket"), "my-images".to_string()),
                    (format!("ImportImageOptions.DiskDeviceMappings.{i}.OSSObject"), format!("disk-{i}.raw")),
                ]
            })
            .collect()
    };
    create_from_oss(&app, &borrowed(&disks(18)))
        .await
        .assert_error(400, "InvalidImportImageOptionsDiskDeviceMappings.LengthLimitExceeded");
    create_from_oss(&app, &borrowed(&disks(17))).await.assert_ok();
}

/// One test per `ImportImageOptions` enumeration: every `bad` value of `param` fails with
/// `400 code`, every `good` one succeeds (on an otherwise valid OSS template).
macro_rules! import_option_code {
    ($test:ident, $param:literal, $code:literal, bad: [$($bad:expr),+ $(,)?], good: [$($good:expr),+ $(,)?]) => {
        #[tokio::test]
        async fn $test() {
            let app = TestApp::spawn().await;
            for bad in [$($bad),+] {
                create_from_oss_disk(&app, &[($param, bad)]).await.assert_error(400, $code);
            }
            for good in [$($good),+] {
                create_from_oss_disk(&app, &[($param, good)]).await.assert_ok();
            }
        }
    };
}

import_option_code!(
    create_from_oss_with_unknown_architecture_is_400_invalid_parameter_import_image_options_architecture,
    "ImportImageOptions.Architecture",
    "InvalidParameter.ImportImageOptionsArchitecture",
    bad: ["i386", "x86-64", "ARM64"],
    good: ["x86_64", "arm64"]
);
import_option_code!(
    create_from_oss_with_unknown_os_type_is_400_invalid_parameter_import_image_options_os_type,
    "ImportImageOptions.OSType",
    "InvalidParameter.ImportImageOptionsOSType",
    bad: ["macos", "Linux", "freebsd"],
    good: ["linux"]
);
import_option_code!(
    create_from_oss_with_unknown_platform_is_400_invalid_parameter_import_image_options_platform,
    "ImportImageOptions.Platform",
    "InvalidParameter.ImportImageOptionsPlatform",
    bad: ["Windows 95", "ubuntu", "Arch Linux"],
    good: ["Aliyun", "Ubuntu", "Fedora CoreOS", "Others Linux", "Customized Linux"]
);
import_option_code!(
    create_from_oss_with_unknown_license_type_is_400_invalid_parameter_import_image_options_license_type,
    "ImportImageOptions.LicenseType",
    "InvalidParameter.ImportImageOptionsLicenseType",
    bad: ["Free", "byol", "auto"],
    good: ["Auto", "Aliyun", "BYOL"]
);
import_option_code!(
    create_from_oss_with_unknown_nvme_support_is_400_invalid_parameter_import_image_options_features_nvme_support,
    "ImportImageOptions.Features.NvmeSupport",
    "InvalidParameter.ImportImageOptionsFeaturesNvmeSupport",
    bad: ["auto", "yes", "Supported"],
    good: ["supported", "unsupported"]
);

#[tokio::test]
async fn create_from_oss_with_unknown_or_impossible_boot_mode_is_400_invalid_parameter_import_image_options_boot_mode()
{
    let app = TestApp::spawn().await;
    for bad in ["Legacy", "bios", "uefi"] {
        create_from_oss_disk(&app, &[("ImportImageOptions.BootMode", bad)])
            .await
            .assert_error(400, "InvalidParameter.ImportImageOptionsBootMode");
    }
    // arm64 boots only with UEFI.
    create_from_oss_disk(
        &app,
        &[("ImportImageOptions.Architecture", "arm64"), ("ImportImageOptions.BootMode", "BIOS")],
    )
    .await
    .assert_error(400, "InvalidParameter.ImportImageOptionsBootMode");
    create_from_oss_disk(
        &app,
        &[("ImportImageOptions.Architecture", "arm64"), ("ImportImageOptions.BootMode", "UEFI")],
    )
    .await
    .assert_ok();
    for good in ["BIOS", "UEFI"] {
        create_from_oss_disk(&app, &[("ImportImageOptions.BootMode", good)]).await.assert_ok();
    }
}

#[tokio::test]
async fn create_from_oss_with_windows_os_type_is_403_image_pipeline_not_support_windows_instance() {
    let app = TestApp::spawn().await;
    create_from_oss_disk(&app, &[("ImportImageOptions.OSType", "windows")])
        .await
        .assert_error(403, "ImagePipeline.NotSupportWindowsInstance");
    create_from_oss_disk(
        &app,
        &[("ImportImageOptions.OSType", "windows"), ("ImportImageOptions.Platform", "Windows Server 2022")],
    )
    .await
    .assert_error(403, "ImagePipeline.NotSupportWindowsInstance");
    create_from_oss_disk(&app, &[("ImportImageOptions.OSType", "linux")]).await.assert_ok();
}

#[tokio::test]
async fn create_from_a_fully_specified_oss_template_succeeds() {
    let app = TestApp::spawn().await;
    let reply = create_from_oss(
        &app,
        &[
            ("Name", "from-oss"),
            ("ImportImageOptions.Architecture", "arm64"),
            ("ImportImageOptions.OSType", "linux"),
            ("ImportImageOptions.Platform", "Ubuntu"),
            ("ImportImageOptions.BootMode", "UEFI"),
            ("ImportImageOptions.LicenseType", "BYOL"),
            ("ImportImageOptions.Features.NvmeSupport", "supported"),
            ("ImportImageOptions.Features.ImdsSupport", "v2"),
            ("ImportImageOptions.RetentionStrategy", "RetainNever"),
            ("ImportImageOptions.ImageName", "imported-ubuntu"),
            ("ImportImageOptions.Description", "Imported from OSS"),
            ("ImportImageOptions.RoleName", "AliyunECSImageImportDefaultRole"),
            ("ImportImageOptions.ImportImageTags.1.Key", "source"),
            ("ImportImageOptions.ImportImageTags.1.Value", "oss"),
            ("ImportImageOptions.DiskDeviceMappings.1.OSSBucket", "my-images"),
            ("ImportImageOptions.DiskDeviceMappings.1.OSSObject", "ubuntu/system.qcow2"),
            ("ImportImageOptions.DiskDeviceMappings.1.Format", "QCOW2"),
            ("ImportImageOptions.DiskDeviceMappings.1.DiskImageSize", "40"),
            ("ImportImageOptions.DiskDeviceMappings.2.OSSBucket", "my-images"),
            ("ImportImageOptions.DiskDeviceMappings.2.OSSObject", "ubuntu/data.raw"),
            ("ImportImageOptions.DiskDeviceMappings.2.Format", "RAW"),
            ("ImportImageOptions.DiskDeviceMappings.2.DiskImageSize", "100"),
            ("ImageOptions.ImageName", "golden-ubuntu"),
            ("InstanceType", INSTANCE_TYPE),
            ("VSwitchId", VSWITCH),
            ("ResourceGroupId", RESOURCE_GROUP),
        ],
    )
    .await;
    let id = reply.assert_ok()["ImagePipelineId"].as_str().expect("ImagePipelineId").to_string();
    let item = app.describe_pipeline(&id).await.expect("the template is listed");
    assert_eq!(item["BaseImageType"], "OSS");
    assert!(item.get("BaseImage").is_none(), "{item}");
    let import = &item["ImportImageOptions"];
    assert_eq!(import["Architecture"], "arm64");
    assert_eq!(import["BootMode"], "UEFI");
    assert_eq!(import["LicenseType"], "BYOL");
    assert_eq!(import["DiskDeviceMappings"]["DiskDeviceMapping"].as_array().map(Vec::len), Some(2));
}
