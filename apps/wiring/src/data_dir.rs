//! The data directory: where the embedded defaults keep the SQLite
//! database, the photos and the generated keys. Defaults that live there
//! are written with the placeholder `{data_dir}` (it shows in `--help`) and
//! resolved once the data directory is known, so `--data-dir /srv/sinmungo`
//! moves all of them.

use std::path::{Component, Path};

/// The placeholder a setting's value may hold for the data directory.
pub const DATA_DIR: &str = "{data_dir}";

/// `value` with every `{data_dir}` replaced by `dir`; a relative `dir` is
/// written `./dir`, so that `file://{data_dir}/media` stays a path and never
/// becomes a host name.
pub fn in_data_dir(value: &str, dir: &Path) -> String {
    if !value.contains(DATA_DIR) {
        return value.to_owned();
    }
    let shown = dir.display().to_string();
    let dir = match dir.components().next() {
        Some(Component::Normal(_)) => format!("./{shown}"),
        _ => shown,
    };
    value.replace(DATA_DIR, dir.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::in_data_dir;
    use std::path::Path;

    #[test]
    fn the_placeholder_becomes_the_data_directory() {
        let db = "sqlite://{data_dir}/sinmungo.db";
        assert_eq!(
            in_data_dir(db, Path::new("./data")),
            "sqlite://./data/sinmungo.db"
        );
        assert_eq!(
            in_data_dir(db, Path::new("/srv/sinmungo/")),
            "sqlite:///srv/sinmungo/sinmungo.db"
        );
        assert_eq!(
            in_data_dir("file://{data_dir}/media", Path::new("state")),
            "file://./state/media",
            "a relative directory stays a path, not a host"
        );
        assert_eq!(
            in_data_dir("postgres://db/sinmungo", Path::new("/x")),
            "postgres://db/sinmungo",
            "a value without the placeholder is kept"
        );
    }
}
