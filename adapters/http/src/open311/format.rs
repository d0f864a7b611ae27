//! The two renderings of an Open311 answer: XML (the specification's
//! required format: `text/xml; charset=utf-8`, with the XML declaration) and
//! JSON, both written from one [`Node`] tree so they cannot say different
//! things.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The format a client chose with the resource's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.xml`
    Xml,
    /// `.json`
    Json,
}

impl Format {
    /// Splits `services.xml` into `("services", Xml)`; another suffix (or
    /// none) is no resource of ours.
    pub fn split(file: &str) -> Option<(&str, Self)> {
        if let Some(name) = file.strip_suffix(".xml") {
            Some((name, Self::Xml))
        } else {
            file.strip_suffix(".json").map(|name| (name, Self::Json))
        }
    }

    /// The format of a path that matched nothing: JSON if it asks for JSON,
    /// else the required XML.
    pub fn guess(path: &str) -> Self {
        if path.ends_with(".json") {
            Self::Json
        } else {
            Self::Xml
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Xml => "text/xml; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// A value of an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Text.
    Text(String),
    /// A number (JSON number; XML text).
    Number(f64),
    /// A whole number.
    Integer(i64),
    /// `true`/`false`.
    Bool(bool),
    /// No value: JSON `null`, an empty XML element.
    Empty,
    /// Named fields, in order: a JSON object; XML child elements.
    Record(Vec<(&'static str, Node)>),
    /// A list whose items XML names `item`: a JSON array; in XML one
    /// `<item>` child element per entry.
    List(&'static str, Vec<Node>),
}

impl Node {
    /// Text, or [`Node::Empty`] when there is none.
    pub fn text_or_empty(text: Option<impl Into<String>>) -> Self {
        text.map_or(Self::Empty, |t| Self::Text(t.into()))
    }
}

/// A whole answer: its XML root element and its content.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The XML root element (JSON has none).
    pub root: &'static str,
    /// What the root holds.
    pub body: Node,
}

impl Document {
    /// The answer with `status` in `format`.
    pub fn respond(&self, format: Format, status: StatusCode) -> Response {
        let body = match format {
            Format::Xml => self.to_xml(),
            Format::Json => self.to_json().to_string(),
        };
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        );
        response
    }

    /// The XML, with its declaration.
    pub fn to_xml(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        write_element(&mut out, self.root, &self.body);
        out.push('\n');
        out
    }

    /// The JSON.
    pub fn to_json(&self) -> serde_json::Value {
        to_json(&self.body)
    }
}

fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value;
    match node {
        Node::Text(text) => Value::String(text.clone()),
        Node::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
        Node::Integer(n) => Value::from(*n),
        Node::Bool(b) => Value::Bool(*b),
        Node::Empty => Value::Null,
        Node::Record(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, value)| ((*name).to_owned(), to_json(value)))
                .collect(),
        ),
        Node::List(_, items) => Value::Array(items.iter().map(to_json).collect()),
    }
}

fn write_element(out: &mut String, name: &str, node: &Node) {
    if matches!(node, Node::Empty) {
        out.push_str(&format!("<{name}/>"));
        return;
    }
    out.push_str(&format!("<{name}>"));
    match node {
        Node::Text(text) => escape_into(out, text),
        Node::Number(n) => out.push_str(&n.to_string()),
        Node::Integer(n) => out.push_str(&n.to_string()),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Empty => {}
        Node::Record(fields) => {
            for (field, value) in fields {
                write_element(out, field, value);
            }
        }
        Node::List(item, items) => {
            for value in items {
                write_element(out, item, value);
            }
        }
    }
    out.push_str(&format!("</{name}>"));
}

/// Appends `text` as XML character data: markup characters escaped, and
/// characters XML 1.0 cannot carry at all (most C0 controls) left out.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_drops_what_xml_cannot_carry() {
        let doc = Document {
            root: "service_requests",
            body: Node::List(
                "request",
                vec![Node::Record(vec![
                    (
                        "description",
                        Node::Text("a<b & \"c\" 'd'\u{1}>".to_owned()),
                    ),
                    ("lat", Node::Number(35.8242)),
                    ("media_url", Node::Empty),
                    ("metadata", Node::Bool(false)),
                ])],
            ),
        };
        assert_eq!(
            doc.to_xml(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<service_requests><request>\
             <description>a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;</description>\
             <lat>35.8242</lat><media_url/><metadata>false</metadata></request></service_requests>\n"
        );
        assert_eq!(
            doc.to_json(),
            serde_json::json!([{
                "description": "a<b & \"c\" 'd'\u{1}>",
                "lat": 35.8242,
                "media_url": null,
                "metadata": false,
            }])
        );
    }

    #[test]
    fn the_suffix_chooses_the_format() {
        assert_eq!(
            Format::split("services.xml"),
            Some(("services", Format::Xml))
        );
        assert_eq!(
            Format::split("JB-2026-000001.json"),
            Some(("JB-2026-000001", Format::Json))
        );
        assert_eq!(Format::split("services"), None);
        assert_eq!(Format::split("services.csv"), None);
    }
}
