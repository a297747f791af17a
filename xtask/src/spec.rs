//! Loading the spec, and the few changes made to it before generation.

use std::path::Path;

use anyhow::{Context, Result, bail};
use openapiv3::{OpenAPI, ReferenceOr, StatusCode};

/// Reads and parses an OpenAPI 3.0 document, naming the file and the place of any problem.
pub fn load(path: &Path) -> Result<OpenAPI> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the spec at {}", path.display()))?;
    parse(&text).with_context(|| format!("invalid spec {}", path.display()))
}

/// Parses an OpenAPI 3.0 document from YAML (or JSON) text and checks what progenitor needs.
pub fn parse(text: &str) -> Result<OpenAPI> {
    // Parse to a YAML value first so syntax errors carry a line and column, then to the model so
    // schema errors name the offending key.
    let value: serde_yaml::Value =
        serde_yaml::from_str(text).context("the text is not valid YAML")?;
    let version = value
        .get("openapi")
        .and_then(serde_yaml::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !version.starts_with("3.0.") {
        bail!("`openapi: {version}` is not supported: progenitor needs OpenAPI 3.0.x");
    }
    let spec: OpenAPI = serde_yaml::from_value(value)
        .context("the document does not follow the OpenAPI 3.0 schema")?;
    check_operation_ids(&spec)?;
    Ok(spec)
}

/// Progenitor panics on a missing or duplicate `operationId`; say which one instead.
fn check_operation_ids(spec: &OpenAPI) -> Result<()> {
    let mut seen = std::collections::BTreeMap::new();
    for (path, method, op) in spec.operations() {
        let Some(id) = op.operation_id.as_deref() else {
            bail!("{} {path} has no operationId", method.to_uppercase());
        };
        if let Some(first) = seen.insert(id.to_owned(), format!("{} {path}", method.to_uppercase()))
        {
            bail!(
                "operationId `{id}` is used twice: by {first} and {} {path}",
                method.to_uppercase()
            );
        }
    }
    Ok(())
}

/// Makes every error response (4xx, 5xx, default) a raw body for the generator.
///
/// The spec documents the JSON error envelopes, but the server also answers 401, 402 and 403
/// with an empty body. Progenitor would try to decode those as JSON and report a bare serde error
/// without the status code or the `Retry-After` header, and it cannot mix typed and empty error
/// responses in one operation at all. As raw responses they reach the hand-written wrapper whole
/// (status, headers, body), which decodes all four error shapes itself.
pub fn prepare_for_generation(spec: &mut OpenAPI) {
    for item in spec.paths.paths.values_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for op in operations.into_iter().flatten() {
            let responses = &mut op.responses;
            if let Some(default) = responses.default.as_mut() {
                make_raw(default);
            }
            for (status, response) in responses.responses.iter_mut() {
                let is_error = match status {
                    StatusCode::Code(code) => *code >= 400,
                    StatusCode::Range(range) => *range >= 4,
                };
                if is_error {
                    make_raw(response);
                }
            }
        }
    }
}

fn make_raw(response: &mut ReferenceOr<openapiv3::Response>) {
    let description = match response {
        ReferenceOr::Item(item) => item.description.clone(),
        ReferenceOr::Reference { reference } => format!("see {reference}"),
    };
    let mut content = openapiv3::Content::new();
    content.insert("*/*".to_owned(), openapiv3::MediaType::default());
    *response = ReferenceOr::Item(openapiv3::Response {
        description,
        content,
        ..Default::default()
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_syntax_errors_name_the_line() {
        let err = parse("openapi: 3.0.3\ninfo: [unclosed\n").unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("line"), "{text}");
    }

    #[test]
    fn openapi_31_is_refused_by_name() {
        let err = parse("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n").unwrap_err();
        assert!(format!("{err:#}").contains("3.1.0"));
    }

    #[test]
    fn missing_operation_id_names_the_operation() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok}\n";
        let err = parse(text).unwrap_err();
        assert_eq!(format!("{err:#}"), "GET /a has no operationId");
    }

    #[test]
    fn duplicate_operation_ids_name_both_operations() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: x\n      responses:\n        '200': {description: ok}\n  /b:\n    get:\n      operationId: x\n      responses:\n        '200': {description: ok}\n";
        let err = parse(text).unwrap_err();
        assert!(format!("{err:#}").contains("GET /a and GET /b"), "{err:#}");
    }
}
