//! CSV as the API answers it: UTF-8 with a byte-order mark (so that Excel
//! reads Korean right), CRLF line ends, fields quoted when they must be
//! (RFC 4180).

/// CSV text being written, starting with the BOM and a header row.
#[derive(Debug)]
pub(crate) struct CsvText(String);

impl CsvText {
    /// A file whose first row is `header`.
    pub(crate) fn new(header: &[&str]) -> Self {
        let mut text = Self("\u{feff}".to_owned());
        text.row(header);
        text
    }

    /// Appends one row.
    pub(crate) fn row(&mut self, fields: &[&str]) {
        let fields: Vec<String> = fields.iter().map(|f| field(f)).collect();
        self.0.push_str(&fields.join(","));
        self.0.push_str("\r\n");
    }

    /// The text.
    pub(crate) fn finish(self) -> String {
        self.0
    }
}

/// One field, quoted when it holds a comma, a quote or a line break.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_or_line_breaks_are_quoted() {
        assert_eq!(field("road_damage"), "road_damage");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        let mut csv = CsvText::new(&["a", "b"]);
        csv.row(&["첫 줄\n둘째 줄", "x"]);
        assert_eq!(csv.finish(), "\u{feff}a,b\r\n\"첫 줄\n둘째 줄\",x\r\n");
    }
}
