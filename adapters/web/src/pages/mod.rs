//! The console's pages. Each handler calls the use cases with the signed-in
//! officer as the actor and renders the answer with `maud`.

pub(crate) mod actions;
pub(crate) mod charts;
pub(crate) mod filters;
pub(crate) mod layout;
pub(crate) mod live;
pub(crate) mod login;
pub(crate) mod map;
pub(crate) mod notifications;
pub(crate) mod oauth;
pub(crate) mod photos;
pub(crate) mod queue;
pub(crate) mod report;
pub(crate) mod settings;
pub(crate) mod stats;

/// Percent-encodes a query-string value (everything but unreserved characters).
pub(crate) fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(super::encode("road_damage"), "road_damage");
        assert_eq!(super::encode("a&b=c 도"), "a%26b%3Dc%20%EB%8F%84");
    }
}
