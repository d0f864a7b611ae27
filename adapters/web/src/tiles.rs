//! Where the map page's background tiles come from: a URL template and the
//! attribution its provider asks for. The template's origin is the one
//! outside source the console's Content-Security-Policy lets images come
//! from, so it is checked when the server starts.

use std::fmt;

/// A tile server, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapTiles {
    url: String,
    attribution: String,
    /// The CSP source of the tiles (`https://tile.openstreetmap.org`), or
    /// `None` when they come from the console's own origin.
    source: Option<String>,
}

/// Why a tile server setting was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidMapTiles(String);

impl fmt::Display for InvalidMapTiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidMapTiles {}

impl MapTiles {
    /// The OpenStreetMap Foundation's standard tiles.
    pub const OPENSTREETMAP_URL: &'static str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
    /// The attribution OpenStreetMap asks for, in Korean.
    pub const OPENSTREETMAP_ATTRIBUTION: &'static str = "© OpenStreetMap 기여자";

    /// The tile server at `url`, a template with `{z}`, `{x}` and `{y}`:
    /// `https://HOST[:PORT]/…` (`{s}.` may start the host, for servers that
    /// spread tiles over subdomains), `http://` likewise, or a path on the
    /// console's own origin (`/tiles/{z}/{x}/{y}.png`). `attribution` is
    /// shown as plain text in the map's corner.
    pub fn new(url: &str, attribution: &str) -> Result<Self, InvalidMapTiles> {
        let url = url.trim();
        let invalid = |why: &str| InvalidMapTiles(format!("map tiles URL {url:?}: {why}"));
        if !url.bytes().all(|b| b.is_ascii_graphic()) || url.contains(['"', '\'', ';', ',']) {
            return Err(invalid(
                "must be printable ASCII without spaces, quotes, commas or semicolons",
            ));
        }
        if ["{z}", "{x}", "{y}"].iter().any(|part| !url.contains(part)) {
            return Err(invalid("must contain {z}, {x} and {y}"));
        }
        let source = if url.starts_with('/') && !url.starts_with("//") {
            None
        } else {
            let (scheme, rest) = url
                .split_once("://")
                .filter(|(scheme, _)| matches!(*scheme, "https" | "http"))
                .ok_or_else(|| invalid("must start with https://, http:// or /"))?;
            let authority = rest.split('/').next().unwrap_or_default();
            let (subdomains, host) = match authority.strip_prefix("{s}.") {
                Some(host) => ("*.", host),
                None => ("", authority),
            };
            let (name, port) = host.split_once(':').unwrap_or((host, ""));
            let name_ok = !name.is_empty()
                && !name.starts_with(['.', '-'])
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            let port_ok = port.is_empty() || port.parse::<u16>().is_ok();
            if !name_ok || !port_ok || !rest.contains('/') {
                return Err(invalid("has no valid host"));
            }
            Some(format!("{scheme}://{subdomains}{host}"))
        };
        let attribution = attribution.trim();
        if attribution.chars().count() > 300 || attribution.chars().any(char::is_control) {
            return Err(InvalidMapTiles(
                "map tiles attribution: at most 300 characters, no control characters".to_owned(),
            ));
        }
        Ok(Self {
            url: url.to_owned(),
            attribution: attribution.to_owned(),
            source,
        })
    }

    /// The URL template.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The attribution, plain text.
    pub fn attribution(&self) -> &str {
        &self.attribution
    }

    /// The CSP source images come from (`None`: the console's own origin).
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }
}

impl Default for MapTiles {
    /// OpenStreetMap's standard tiles.
    fn default() -> Self {
        Self {
            url: Self::OPENSTREETMAP_URL.to_owned(),
            attribution: Self::OPENSTREETMAP_ATTRIBUTION.to_owned(),
            source: Some("https://tile.openstreetmap.org".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_openstreetmap_and_checks_as_such() {
        let checked = MapTiles::new(
            MapTiles::OPENSTREETMAP_URL,
            MapTiles::OPENSTREETMAP_ATTRIBUTION,
        )
        .unwrap();
        assert_eq!(checked, MapTiles::default());
        assert_eq!(checked.source(), Some("https://tile.openstreetmap.org"));
    }

    #[test]
    fn the_source_is_the_templates_origin() {
        let source = |url: &str| MapTiles::new(url, "").map(|t| t.source().map(str::to_owned));
        assert_eq!(
            source("https://{s}.tile.example.kr/{z}/{x}/{y}.png"),
            Ok(Some("https://*.tile.example.kr".to_owned()))
        );
        assert_eq!(
            source("http://127.0.0.1:8089/tiles/{z}/{x}/{y}.png"),
            Ok(Some("http://127.0.0.1:8089".to_owned()))
        );
        assert_eq!(source("/tiles/{z}/{x}/{y}.png"), Ok(None));
    }

    #[test]
    fn templates_that_could_widen_the_policy_are_refused() {
        for url in [
            "https://tile.openstreetmap.org/{z}/{x}.png",
            "ftp://tiles.example.kr/{z}/{x}/{y}.png",
            "//tiles.example.kr/{z}/{x}/{y}.png",
            "https://tiles.example.kr;script-src */{z}/{x}/{y}.png",
            "https:// * /{z}/{x}/{y}.png",
            "https://*/{z}/{x}/{y}.png",
            "https://{z}.example.kr/{z}/{x}/{y}.png",
            "https://tiles.example.kr:99999/{z}/{x}/{y}.png",
            "https://tiles.example.kr{z}{x}{y}",
            "https://타일.kr/{z}/{x}/{y}.png",
        ] {
            assert!(MapTiles::new(url, "").is_err(), "{url}");
        }
        assert!(MapTiles::new(MapTiles::OPENSTREETMAP_URL, "a\nb").is_err());
    }
}
