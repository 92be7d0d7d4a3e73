//! Model binding as ASP.NET Core does it: the PUT body (`TfaRequestsDto`) and query strings.
//!
//! Hand-written rather than derived, because the server's rules are not serde's: property
//! names are case-insensitive, `type` is a case-insensitive enum string *or* any integer, GUIDs
//! only in the hyphenated form, null lists allowed; and a failure must name the JSON path.

use serde_json::Value;
use uuid::Uuid;

use super::directory::PageRequest;
use super::envelope::{field_error, FieldErrors};
use super::state::{TfaRequest, TfaType};

const DTO: &str = "ASC.Web.Api.ApiModels.RequestsDto.TfaRequestsDto";
const DTO_TYPE: &str = "ASC.Web.Api.ApiModels.RequestsDto.TfaRequestsDtoType";

/// Binds a `PUT settings/tfaapp*` body. System.Text.Json stops at the first bad value, so at
/// most one path error is reported, next to the "inDto is required" that follows it.
pub fn tfa_request(body: &[u8]) -> Result<TfaRequest, FieldErrors> {
    if body.iter().all(u8::is_ascii_whitespace) {
        let mut errors = field_error("", "A non-empty request body is required.");
        errors.insert("inDto".into(), vec!["The inDto field is required.".into()]);
        return Err(errors);
    }
    let fail = |path: &str, message: String| {
        let mut errors = field_error(path, message);
        errors.insert("inDto".into(), vec!["The inDto field is required.".into()]);
        errors
    };
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        fail(
            "$",
            format!("The request body is not valid JSON: {e}. Path: $"),
        )
    })?;
    let object = match value {
        Value::Object(map) => map,
        Value::Null => return Err(field_error("inDto", "The inDto field is required.")),
        _ => return Err(fail("$", not_converted(DTO, "$"))),
    };

    let mut request = TfaRequest::default();
    // Later duplicates win, as in System.Text.Json; serde_json's map already keeps the last.
    for (key, value) in &object {
        let path = format!("$.{key}");
        match key.to_ascii_lowercase().as_str() {
            "type" => {
                request.kind =
                    tfa_type(value).ok_or_else(|| fail(&path, not_converted(DTO_TYPE, &path)))?
            }
            "id" => {
                request.id =
                    guid(value).ok_or_else(|| fail(&path, not_converted("System.Guid", &path)))?
            }
            "trustedips" => {
                request.trusted_ips = list(value, &path, string_item)
                    .map_err(|(p, t)| fail(&p, not_converted(t, &p)))?
            }
            "mandatoryusers" => {
                request.mandatory_users = list(value, &path, guid_item)
                    .map_err(|(p, t)| fail(&p, not_converted(t, &p)))?
            }
            "mandatorygroups" => {
                request.mandatory_groups = list(value, &path, guid_item)
                    .map_err(|(p, t)| fail(&p, not_converted(t, &p)))?
            }
            // Unknown properties are ignored by default.
            _ => {}
        }
    }
    Ok(request)
}

fn not_converted(type_name: &str, path: &str) -> String {
    format!("The JSON value could not be converted to {type_name}. Path: {path}")
}

/// `JsonStringEnumConverter`: names case-insensitively, integers (also as strings) of any
/// Int32 value; `null`, booleans and fractions fail.
fn tfa_type(value: &Value) -> Option<TfaType> {
    let from_int = |n: i64| -> Option<TfaType> {
        let n = i32::try_from(n).ok()?;
        Some(match n {
            0 => TfaType::None,
            1 => TfaType::Sms,
            2 => TfaType::App,
            other => TfaType::Other(other),
        })
    };
    match value {
        Value::Number(n) => from_int(n.as_i64()?),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "none" => Some(TfaType::None),
            "sms" => Some(TfaType::Sms),
            "app" => Some(TfaType::App),
            other => from_int(other.parse().ok()?),
        },
        _ => None,
    }
}

/// System.Text.Json reads a GUID only in the 36-character hyphenated ("D") form.
fn guid(value: &Value) -> Option<Uuid> {
    let s = value.as_str()?;
    let bytes = s.as_bytes();
    let hyphens_ok = bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    if hyphens_ok {
        Uuid::try_parse(s).ok()
    } else {
        None
    }
}

fn guid_item(value: &Value) -> Result<Uuid, &'static str> {
    guid(value).ok_or("System.Guid")
}

/// A null item would bind in .NET, but a null IP can never match; refusing it keeps the stored
/// list `Vec<String>` (noted as a deviation).
fn string_item(value: &Value) -> Result<String, &'static str> {
    value.as_str().map(str::to_string).ok_or("System.String")
}

/// `null` → `None` (stored as `[]` later); an array → its items; anything else fails.
fn list<T>(
    value: &Value,
    path: &str,
    item: impl Fn(&Value) -> Result<T, &'static str>,
) -> Result<Option<Vec<T>>, (String, &'static str)> {
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| item(v).map_err(|t| (format!("{path}[{i}]"), t)))
            .collect::<Result<Vec<T>, _>>()
            .map(Some),
        _ => Err((path.to_string(), "System.Collections.Generic.List`1")),
    }
}

/// A query string with case-insensitive names; the first value of a repeated name wins.
#[derive(Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Query { pairs }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `count`, `startIndex`, `filterValue`, `sortOrder` of the paged lists.
    pub fn page_request(&self) -> Result<PageRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut int = |name: &str| -> Option<i64> {
            let raw = self.get(name)?;
            match raw
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| i32::try_from(*n).is_ok())
            {
                Some(n) => Some(n),
                None => {
                    errors.insert(
                        name.to_string(),
                        vec![format!("The value '{raw}' is not valid for {name}.")],
                    );
                    None
                }
            }
        };
        let count = int("count");
        let start = int("startIndex");
        let count = match count {
            None => 100,
            Some(n @ 1..=100) => n as usize,
            Some(_) => {
                errors.insert(
                    "count".into(),
                    vec!["The field count must be between 1 and 100.".into()],
                );
                100
            }
        };
        let descending = match self
            .get("sortOrder")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("ascending") | Some("0") | Some("") => false,
            Some("descending") | Some("1") => true,
            Some(other) => {
                errors.insert(
                    "sortOrder".into(),
                    vec![format!("The value '{other}' is not valid for sortOrder.")],
                );
                false
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PageRequest {
            filter: self.get("filterValue").map(str::to_lowercase),
            descending,
            // A negative offset behaves like Skip(n < 0): from the start.
            start: start.map_or(0, |n| usize::try_from(n).unwrap_or(0)),
            count,
        })
    }

    /// A boolean flag such as `includeMembers` (default false).
    pub fn flag(&self, name: &str) -> Result<bool, FieldErrors> {
        match self.get(name).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(false),
            Some(v) if v == "true" => Ok(true),
            Some(v) if v == "false" || v.is_empty() => Ok(false),
            Some(v) => Err(field_error(
                name,
                format!("The value '{v}' is not valid for {name}."),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind(body: &str) -> Result<TfaRequest, FieldErrors> {
        tfa_request(body.as_bytes())
    }

    fn error_path(body: &str) -> String {
        let errors = bind(body).expect_err(body);
        assert!(errors.contains_key("inDto"), "{errors:?}");
        errors
            .into_keys()
            .find(|k| k != "inDto")
            .unwrap_or_default()
    }

    #[test]
    fn type_spellings() {
        let cases = [
            (r#"{"type":"app"}"#, TfaType::App),
            (r#"{"type":"APP"}"#, TfaType::App),
            (r#"{"type":"App"}"#, TfaType::App),
            (r#"{"type":"sms"}"#, TfaType::Sms),
            (r#"{"type":"None"}"#, TfaType::None),
            (r#"{"type":2}"#, TfaType::App),
            (r#"{"type":1}"#, TfaType::Sms),
            (r#"{"type":0}"#, TfaType::None),
            (r#"{"type":"2"}"#, TfaType::App),
            (r#"{"type":7}"#, TfaType::Other(7)),
            (r#"{"type":-3}"#, TfaType::Other(-3)),
            (r#"{"TYPE":"app"}"#, TfaType::App),
            // A body with no type at all is "none": the sample-script trap from design.md.
            (r#"{"0":{"id":"sms"},"1":{"id":"app"}}"#, TfaType::None),
            ("{}", TfaType::None),
        ];
        for (body, kind) in cases {
            assert_eq!(bind(body).map(|r| r.kind), Ok(kind), "{body}");
        }
    }

    #[test]
    fn bad_types_are_validation_errors() {
        for body in [
            r#"{"type":"bogus"}"#,
            r#"{"type":null}"#,
            r#"{"type":true}"#,
            r#"{"type":1.5}"#,
            r#"{"type":4294967296}"#,
        ] {
            assert_eq!(error_path(body), "$.type", "{body}");
        }
    }

    #[test]
    fn guids_and_lists() {
        let ok = bind(
            r#"{"type":"app","id":"8B1F4C7E-2D3A-4E5F-9A6B-1C2D3E4F5A6B","trustedIps":["10.0.0.1"],
                "mandatoryUsers":[],"mandatoryGroups":null}"#,
        )
        .unwrap();
        assert_eq!(ok.id.to_string(), "8b1f4c7e-2d3a-4e5f-9a6b-1c2d3e4f5a6b");
        assert_eq!(ok.trusted_ips, Some(vec!["10.0.0.1".to_string()]));
        assert_eq!(ok.mandatory_users, Some(vec![]));
        assert_eq!(ok.mandatory_groups, None);
        assert_eq!(bind(r#"{"type":"app"}"#).unwrap().id, Uuid::nil());

        assert_eq!(error_path(r#"{"id":"not-a-guid"}"#), "$.id");
        assert_eq!(
            error_path(r#"{"id":"8b1f4c7e2d3a4e5f9a6b1c2d3e4f5a6b"}"#),
            "$.id"
        );
        assert_eq!(error_path(r#"{"id":null}"#), "$.id");
        assert_eq!(
            error_path(r#"{"mandatoryUsers":["8b1f4c7e-2d3a-4e5f-9a6b-1c2d3e4f5a6b","x"]}"#),
            "$.mandatoryUsers[1]"
        );
        assert_eq!(error_path(r#"{"trustedIps":"10.0.0.1"}"#), "$.trustedIps");
        assert_eq!(error_path(r#"{"trustedIps":[1]}"#), "$.trustedIps[0]");
        assert_eq!(error_path(r#"{"mandatoryGroups":{}}"#), "$.mandatoryGroups");
    }

    #[test]
    fn unparsable_bodies() {
        assert_eq!(error_path("{not json"), "$");
        assert_eq!(error_path("[1,2]"), "$");
        assert!(bind("").unwrap_err().contains_key(""));
        assert!(bind("null").unwrap_err().contains_key("inDto"));
    }

    #[test]
    fn query_names_are_case_insensitive() {
        let q = Query::parse(Some(
            "COUNT=5&startindex=10&FilterValue=O%27Brien&sortorder=descending",
        ));
        let page = q.page_request().unwrap();
        assert_eq!(
            page,
            PageRequest {
                filter: Some("o'brien".into()),
                descending: true,
                start: 10,
                count: 5
            }
        );
        assert_eq!(Query::parse(None).page_request().unwrap().count, 100);
        assert_eq!(
            Query::parse(Some("startIndex=-4"))
                .page_request()
                .unwrap()
                .start,
            0
        );
    }

    #[test]
    fn query_validation() {
        for (raw, key) in [
            ("count=101", "count"),
            ("count=0", "count"),
            ("count=abc", "count"),
            ("startIndex=x", "startIndex"),
        ] {
            let errors = Query::parse(Some(raw)).page_request().unwrap_err();
            assert!(errors.contains_key(key), "{raw}: {errors:?}");
        }
        assert_eq!(
            Query::parse(Some("includeMembers=TRUE")).flag("includeMembers"),
            Ok(true)
        );
        assert!(Query::parse(Some("includemembers=maybe"))
            .flag("includeMembers")
            .is_err());
    }
}
