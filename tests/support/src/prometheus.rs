//! Reads Prometheus's text exposition format (version 0.0.4), as a scraper
//! would: `# TYPE` lines and samples `name{label="value",…} number`, label
//! values unescaped. Enough for the metrics tests to assert on what a
//! Prometheus server would store, without trusting the exporter's own code.

use std::collections::{BTreeMap, HashMap};

use anyhow::{anyhow, bail, Context as _};

/// One sample: a series (name and labels) and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The metric name (`_bucket`, `_sum`, `_count` included for histograms).
    pub name: String,
    /// The labels, by name.
    pub labels: BTreeMap<String, String>,
    /// The value.
    pub value: f64,
}

impl Sample {
    /// The value of label `name`, if the sample has it.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.get(name).map(String::as_str)
    }

    /// Whether the sample has every `(label, value)` of `wanted`.
    pub fn has(&self, wanted: &[(&str, &str)]) -> bool {
        wanted.iter().all(|(k, v)| self.label(k) == Some(*v))
    }
}

/// A whole scrape.
#[derive(Debug, Clone, Default)]
pub struct Scrape {
    /// Every sample, in the order given.
    pub samples: Vec<Sample>,
    /// The `# TYPE` of each metric family that declared one.
    pub types: HashMap<String, String>,
}

impl Scrape {
    /// Parses a scrape; an error names the line that is not the format.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut scrape = Self::default();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() {
                continue;
            }
            if let Some(comment) = line.strip_prefix('#') {
                let mut words = comment.split_whitespace();
                if words.next() == Some("TYPE") {
                    let (Some(name), Some(kind)) = (words.next(), words.next()) else {
                        bail!("line {}: a TYPE line without a name and type", number + 1);
                    };
                    scrape.types.insert(name.to_owned(), kind.to_owned());
                }
                continue;
            }
            let sample = sample(line).with_context(|| format!("line {}: {line}", number + 1))?;
            scrape.samples.push(sample);
        }
        Ok(scrape)
    }

    /// The samples named `name` that have every label of `wanted`.
    pub fn find<'a>(
        &'a self,
        name: &'a str,
        wanted: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples
            .iter()
            .filter(move |s| s.name == name && s.has(wanted))
    }

    /// The sum of the samples `find` gives (0 when there are none).
    pub fn sum(&self, name: &str, wanted: &[(&str, &str)]) -> f64 {
        self.find(name, wanted).map(|s| s.value).sum()
    }
}

/// `name{labels} value [timestamp]`.
fn sample(line: &str) -> anyhow::Result<Sample> {
    let name_end = line
        .find(|c: char| c == '{' || c.is_whitespace())
        .ok_or_else(|| anyhow!("no value"))?;
    let name = &line[..name_end];
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    {
        bail!("not a metric name: {name:?}");
    }
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = parse_labels(after, &mut labels)?;
    }
    let mut fields = rest.split_whitespace();
    let value = fields.next().ok_or_else(|| anyhow!("no value"))?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        number => number
            .parse()
            .with_context(|| format!("not a number: {number:?}"))?,
    };
    if let Some(timestamp) = fields.next() {
        timestamp
            .parse::<i64>()
            .with_context(|| format!("not a timestamp: {timestamp:?}"))?;
    }
    if fields.next().is_some() {
        bail!("more than a value and a timestamp");
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Reads `label="value",…}` into `labels`; returns what follows the `}`.
fn parse_labels<'a>(
    mut text: &'a str,
    labels: &mut BTreeMap<String, String>,
) -> anyhow::Result<&'a str> {
    loop {
        text = text.trim_start();
        if let Some(after) = text.strip_prefix('}') {
            return Ok(after);
        }
        let (key, after) = text
            .split_once('=')
            .ok_or_else(|| anyhow!("a label without '='"))?;
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            bail!("not a label name: {key:?}");
        }
        let mut chars = after
            .strip_prefix('"')
            .ok_or_else(|| anyhow!("label {key}'s value is not quoted"))?
            .char_indices();
        let mut value = String::new();
        let end = loop {
            match chars.next() {
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c @ ('\\' | '"'))) => value.push(c),
                    other => bail!("a bad escape in label {key}: {other:?}"),
                },
                Some((_, c)) => value.push(c),
                None => bail!("label {key}'s value never ends"),
            }
        };
        if labels.insert(key.to_owned(), value).is_some() {
            bail!("label {key} given twice");
        }
        text = &after[1 + end + 1..];
        text = text.trim_start();
        text = text.strip_prefix(',').unwrap_or(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_samples_labels_and_types() {
        let scrape = Scrape::parse(
            "# HELP requests Requests.\n# TYPE requests counter\n\
             requests{route=\"/a/{id}\",status=\"2xx\"} 3\n\
             requests{route=\"say \\\"hi\\\"\\n\"} 1 1700000000000\n\
             up 1\nlatency_bucket{le=\"+Inf\"} 7\n",
        )
        .unwrap();
        assert_eq!(scrape.types["requests"], "counter");
        assert_eq!(scrape.samples.len(), 4);
        assert_eq!(scrape.sum("requests", &[("route", "/a/{id}")]), 3.0);
        assert_eq!(scrape.samples[1].label("route"), Some("say \"hi\"\n"));
        assert_eq!(scrape.sum("up", &[]), 1.0);
        assert_eq!(scrape.samples[3].label("le"), Some("+Inf"));
    }

    #[test]
    fn refuses_what_is_not_the_format() {
        for bad in [
            "requests{route=/a} 1",
            "requests{route=\"/a\"}",
            "requests{route=\"/a\",route=\"/b\"} 1",
            "re-quests 1",
            "requests one",
        ] {
            assert!(Scrape::parse(bad).is_err(), "{bad}");
        }
    }
}
