//! Response bodies in the two formats the RPC API speaks (docs/reference.md §2.5–§2.6, docs/reference.md §P4):
//! JSON, and XML with a `<{Action}Response>` root (errors: `<Error>`). Every body carries the
//! `RequestId` (also sent as the `x-acs-request-id` header); error bodies carry
//! `{RequestId, HostId, Code, Message, Recommend}`; a success body never contains `Code`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::product::Product;

const JSON_CONTENT_TYPE: &str = "application/json;charset=utf-8";
/// Exactly this value makes the new SDKs parse an XML error body (docs/reference.md §P4).
const XML_CONTENT_TYPE: &str = "text/xml;charset=utf-8";
const XML_DECLARATION: &str = "<?xml version='1.0' encoding='UTF-8'?>";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// A rendered response: its fields as a [`Value`] (an object), or as the JSON text of that object.
#[derive(Debug)]
pub enum Fields {
    Value(Value),
    Json(String),
}

/// A 200 response: `RequestId` first, then the action's fields.
pub fn success(format: Format, action: &str, request_id: &str, body: Fields) -> Response {
    let body = match (format, body) {
        (Format::Json, Fields::Json(text)) => return json_success(request_id, &text),
        (_, Fields::Value(value)) => value,
        // Not produced (JSON text is only asked for JSON responses), but answered right if it were.
        (Format::Xml, Fields::Json(text)) => serde_json::from_str(&text).unwrap_or(Value::Null),
    };
    let mut fields = Map::with_capacity(8);
    fields.insert("RequestId".into(), Value::String(request_id.to_string()));
    if let Value::Object(map) = body {
        fields.extend(map);
    }
    render(format, StatusCode::OK, &format!("{action}Response"), request_id, fields)
}

/// The JSON success body from the fields' JSON text (`{…}`): `RequestId` spliced in first, the same
/// bytes [`success`] renders from a [`Value`].
fn json_success(request_id: &str, fields: &str) -> Response {
    let mut out = String::with_capacity(fields.len() + request_id.len() + 16);
    out.push_str("{\"RequestId\":");
    out.push_str(&Value::String(request_id.to_string()).to_string());
    match fields.strip_prefix('{') {
        Some(rest) if rest != "}" => {
            out.push(',');
            out.push_str(rest);
        }
        _ => out.push('}'),
    }
    finish(StatusCode::OK, JSON_CONTENT_TYPE, request_id, out)
}

/// An ECS error response with the documented HTTP status (see [`error_for`]).
pub fn error(format: Format, request_id: &str, err: &ApiError) -> Response {
    error_for(Product::Ecs, format, request_id, err)
}

/// An error response of `product` with the documented HTTP status: `HostId` is the product's
/// endpoint, as in the documented samples, and `Recommend` links its troubleshooting page.
pub fn error_for(product: Product, format: Format, request_id: &str, err: &ApiError) -> Response {
    let mut fields = Map::with_capacity(5);
    fields.insert("RequestId".into(), Value::String(request_id.to_string()));
    fields.insert("HostId".into(), Value::String(product.host().into()));
    fields.insert("Code".into(), Value::String(err.code_str().to_string()));
    fields.insert("Message".into(), Value::String(err.message().to_string()));
    fields.insert(
        "Recommend".into(),
        Value::String(format!(
            "https://api.aliyun.com/troubleshoot?q={}&product={}&requestId={request_id}",
            err.code_str(),
            product.code()
        )),
    );
    render(format, err.status(), "Error", request_id, fields)
}

fn render(format: Format, status: StatusCode, root: &str, request_id: &str, fields: Map<String, Value>) -> Response {
    let (content_type, body) = match format {
        Format::Json => (JSON_CONTENT_TYPE, Value::Object(fields).to_string()),
        Format::Xml => {
            let mut out = String::with_capacity(256);
            out.push_str(XML_DECLARATION);
            write_xml(&mut out, root, &Value::Object(fields));
            (XML_CONTENT_TYPE, out)
        }
    };
    finish(status, content_type, request_id, body)
}

fn finish(status: StatusCode, content_type: &'static str, request_id: &str, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-acs-request-id", value);
    }
    response
}

/// Alibaba's XML convention: an object is an element of its fields; a list repeats its element name
/// (`{"Tag":[a,b]}` → `<Tag>a</Tag><Tag>b</Tag>`); `null` is left out.
fn write_xml(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::Array(items) => items.iter().for_each(|item| write_xml(out, name, item)),
        Value::Object(map) => {
            open(out, name);
            for (key, child) in map {
                write_xml(out, key, child);
            }
            close(out, name);
        }
        Value::String(s) => {
            open(out, name);
            escape_into(out, s);
            close(out, name);
        }
        Value::Bool(_) | Value::Number(_) => {
            open(out, name);
            out.push_str(&value.to_string());
            close(out, name);
        }
    }
}

fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Whether XML 1.0 allows `c` in a document (`Char` production: tab, LF, CR, U+0020–U+D7FF,
/// U+E000–U+FFFD, U+10000 and above; Rust strings hold no surrogates).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes markup characters, and replaces each character XML 1.0 forbids (U+0001, U+000B,
/// U+001F, U+FFFE, …) with U+FFFD, so every XML body is well-formed. JSON bodies keep the text as
/// stored (JSON escapes control characters itself).
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            c if !is_xml_char(c) => out.push('\u{FFFD}'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn xml_repeats_list_elements_and_escapes_text() {
        let mut out = String::new();
        write_xml(
            &mut out,
            "R",
            &json!({"ToRegionIds": {"ToRegionId": ["a", "b"]}, "Empty": {"Tag": []}, "Msg": "x<&>", "N": 40, "B": true, "Z": null}),
        );
        assert_eq!(
            out,
            "<R><ToRegionIds><ToRegionId>a</ToRegionId><ToRegionId>b</ToRegionId></ToRegionIds><Empty></Empty><Msg>x&lt;&amp;&gt;</Msg><N>40</N><B>true</B></R>"
        );
    }

    async fn text(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[tokio::test]
    async fn json_text_and_value_render_the_same_bytes() {
        for fields in [json!({"TotalCount": 1, "Items": {"Item": [{"Name": "é\"<\n", "N": 2.5}]}}), json!({})] {
            let id = "4A8B-\"quoted\"";
            let from_value = text(success(Format::Json, "Act", id, Fields::Value(fields.clone()))).await;
            let from_text = text(success(Format::Json, "Act", id, Fields::Json(fields.to_string()))).await;
            assert_eq!(from_text, from_value);
            assert!(from_text.starts_with(r#"{"RequestId":"4A8B-\"quoted\"""#));
        }
        let xml = text(success(Format::Xml, "Act", "R", Fields::Json(r#"{"A":"b"}"#.into()))).await;
        assert!(xml.ends_with("<ActResponse><RequestId>R</RequestId><A>b</A></ActResponse>"), "{xml}");
    }

    #[test]
    fn characters_xml_forbids_are_replaced_and_the_rest_kept() {
        let mut out = String::new();
        escape_into(&mut out, "a\u{1}b\u{B}c\u{1F}d\u{FFFE}e\tf\ng\rh\u{7F}é😀");
        assert_eq!(out, "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\tf\ng\rh\u{7F}é😀");
    }
}
