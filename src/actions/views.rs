//! Response views several actions share: resource tags as `Tags.Tag[{TagKey, TagValue}]`, and the
//! empty answer of the actions that answer with their `RequestId` only.

use serde::Serialize;

use crate::domain::tags::Tag;

/// `{"Tag": [{"TagKey": …, "TagValue": …}]}`, the response form of a resource's tags.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tags {
    tag: Vec<TagView>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TagView {
    tag_key: String,
    tag_value: String,
}

impl Tags {
    pub fn of(tags: &[Tag]) -> Tags {
        Tags { tag: tags.iter().map(|t| TagView { tag_key: t.key.clone(), tag_value: t.value.clone() }).collect() }
    }

    /// No tags (a resource we do not tag, such as a VPC).
    pub fn none() -> Tags {
        Tags { tag: Vec::new() }
    }
}

/// An empty answer: the envelope adds the `RequestId`, nothing else is sent.
#[derive(Serialize)]
pub struct Empty {}
