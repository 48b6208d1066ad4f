//! Error cases of `CreateImageComponent` (`src/actions/create_image_component.rs`).

use crate::components::{component, try_component};
use crate::helpers::{text, TestApp};

#[tokio::test]
async fn an_existing_version_of_a_name_is_refused_with_403() {
    let app = TestApp::spawn().await;
    component(&app, &[("Name", "web"), ("Content", "RUN a"), ("ComponentVersion", "1.2.0")]).await;
    try_component(&app, &[("Name", "web"), ("Content", "RUN b"), ("ComponentVersion", "1.2.0")])
        .await
        .assert_error(403, "InvalidComponentVersion.Exist");
    try_component(&app, &[("Name", "web"), ("Content", "RUN b"), ("ComponentVersion", "01.2.0")])
        .await
        .assert_error(403, "InvalidComponentVersion.Exist");
    component(&app, &[("Name", "web2"), ("Content", "RUN b"), ("ComponentVersion", "1.2.0")]).await;
}

#[tokio::test]
async fn yaml_and_command_content_are_validated_with_the_documented_codes() {
    let app = TestApp::spawn().await;
    let app = &app;
    let create = |content: String| async move { try_component(app, &[("Content", content.as_str())]).await };
    create("RUN".into()).await.assert_error(400, "EmptyCommandContent.RUN");
    create("RESTART now".into()).await.assert_error(400, "NotEmptyCommandContent.RESTART");
    create("RUN echo 'open".into()).await.assert_error(400, "InvalidCommandContent.RUN");
    create("ADD x y".into()).await.assert_error(400, "InvalidImageTemplateCommand.NotSupported");
    create("COMPONENT ic-abc".into()).await.assert_error(400, "InvalidCommand.Component");
    create("FROM IMAGE:m-1".into()).await.assert_error(404, "NotSupportedCommand.FROM");
    create("RUN x\n".repeat(128)).await.assert_error(400, "InvalidImageTemplateCommandSize.ExceededMaxNumber");
    create("RUN x\n".repeat(127)).await.assert_ok();
    create(format!("RUN {}", "x".repeat(16 * 1024))).await.assert_error(400, "InvalidContent.LengthExceeded");
    create(format!("Tasks:\n#{}", "x".repeat(16 * 1024))).await.assert_error(400, "InvalidContent.LengthExceeded");
    let tasks: String = (0..128).map(|i| format!("  - Name: t{i}\n    Action: Reboot\n")).collect();
    create(format!("Tasks:\n{tasks}")).await.assert_error(400, "InvalidImageTemplateCommandSize.ExceededMaxNumber");
    create("# only a comment".into()).await.assert_error(400, "InvalidParameter.Content");
    for yaml in [
        "Tasks: []",
        "Tasks:\n  - Name: a\n    Action: Teleport\n",
        "Tasks:\n  - Name: a\n    Action: RunShellCommand\n",
        "Tasks:\n  - Name: a\n    Action: RunShellCommand\n    Properties:\n      commandContent: echo {{ undeclared }}\n",
        "Tasks:\n  - Name: a\n    Action: WebDownload\n    Properties:\n      sourcePath: https://x/y\n      destinationDir: /d\n      timeout: later\n",
        "Parameters:\n  n:\n    Type: Number\n    DefaultValue: ten\nTasks:\n  - Name: a\n    Action: Reboot\n",
        "Tasks: [unclosed\n",
    ] {
        let reply = create(yaml.into()).await;
        reply.assert_error(400, "InvalidParameter.Content");
        assert!(text(&reply.body, "Message").contains("YAML component content is invalid"), "{}", reply.body);
    }
    let windows = [
        ("Content", "Tasks:\n  - Name: a\n    Action: RunShellCommand\n    Properties:\n      commandContent: dir\n"),
        ("SystemType", "Windows"),
    ];
    try_component(app, &windows).await.assert_error(400, "InvalidParameter.Content");
    try_component(app, &[("Content", "RUN dir"), ("SystemType", "Windows")])
        .await
        .assert_error(400, "InvalidParameter.Content");
    let powershell =
        "Tasks:\n  - Name: a\n    Action: RunPowerShellCommand\n    Properties:\n      commandContent: dir\n";
    try_component(app, &[("Content", powershell), ("SystemType", "Windows")]).await.assert_ok();
}

#[tokio::test]
async fn every_documented_create_parameter_error_has_its_code() {
    let app = TestApp::spawn().await;
    let app = &app;
    let with = |extra: Vec<(&'static str, &'static str)>| async move {
        let mut params = vec![("Content", "RUN a")];
        params.extend(extra);
        try_component(app, &params).await
    };
    with(vec![("Name", "1bad")]).await.assert_error(400, "InvalidName.Malformed");
    with(vec![("Description", "d")]).await.assert_error(400, "InvalidDescription.Malformed");
    with(vec![("SystemType", "linux")]).await.assert_error(400, "InvalidSystemType.NotSupportedValue");
    with(vec![("ComponentType", "Deploy")]).await.assert_error(400, "InvalidComponentType.NotSupportedValue");
    for bad in ["1.0", "1.0.0.1", "1.*.0", "v1.0.0", "-1.0.0"] {
        let params = [("Content", "RUN a"), ("ComponentVersion", bad)];
        try_component(app, &params).await.assert_error(400, "InvalidParameter.ComponentVersion");
    }
    with(vec![("ResourceGroupId", "rg-nope")]).await.assert_error(404, "InvalidResourceGroup.NotFound");
    with(vec![("Tag.1.Key", "aliyun:x")]).await.assert_error(400, "InvalidTagKey.Malformed");
    with(vec![("Tag.1.Key", "k"), ("Tag.1.Value", "http://x")]).await.assert_error(400, "InvalidTagValue.Malformed");
    with(vec![("Tag.1.Key", "k"), ("Tag.2.Key", "k")]).await.assert_error(400, "Duplicate.TagKey");
    with(vec![("RegionId", "mars-1")]).await.assert_error(404, "InvalidRegionId.NotFound");
    try_component(app, &[("Name", "web")]).await.assert_error(400, "MissingParameter.Content");
    try_component(app, &[("Content", "  \n")]).await.assert_error(400, "MissingParameter.Content");
    app.call("CreateImageComponent", &[("Content", "RUN a")]).await.assert_error(400, "MissingRegionId");
}
