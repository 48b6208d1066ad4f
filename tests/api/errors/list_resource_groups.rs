//! Error cases of the Resource Manager actions (`src/actions/list_resource_groups.rs`).

use crate::helpers::TestApp;
use crate::world::RESOURCE_MANAGER;

#[tokio::test]
async fn resource_manager_errors_one_by_one() {
    let app = TestApp::spawn().await;
    let list = |p: &'static [(&'static str, &'static str)]| app.call_version(RESOURCE_MANAGER, "ListResourceGroups", p);
    list(&[("PageSize", "101")]).await.assert_error(400, "InvalidParameter");
    list(&[("PageNumber", "0")]).await.assert_error(400, "InvalidParameter");
    list(&[("Status", "Gone")]).await.assert_error(400, "InvalidParameter");
    let get = |p: &'static [(&'static str, &'static str)]| app.call_version(RESOURCE_MANAGER, "GetResourceGroup", p);
    get(&[]).await.assert_error(400, "MissingResourceGroupId");
    get(&[("ResourceGroupId", "project-x")]).await.assert_error(400, "InvalidParameter.ResourceGroupId");
    let missing = get(&[("ResourceGroupId", "rg-doesnotexist")]).await;
    missing.assert_error(404, "EntityNotExists.ResourceGroup");
    assert_eq!(missing.body["HostId"], "resourcemanager.aliyuncs.com");
}
