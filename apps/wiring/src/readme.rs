//! Keeps the README's configuration table true: each binary's tests ask
//! [`undocumented`] which of its flags and variables the README never names;
//! and the deployment files honest: [`variables`] is every `SINMUNGO_*`
//! variable a binary reads.

use std::collections::BTreeSet;

/// Every environment variable `command` (a binary's `clap` definition)
/// reads, hidden settings included, with those the storage adapter reads by
/// itself beside `SINMUNGO_STORAGE_URL` (an `s3://` URL's endpoint and
/// region): every binary that reads that setting reads them too.
pub fn variables(command: &clap::Command) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = command
        .get_arguments()
        .filter_map(|arg| arg.get_env())
        .map(|env| env.to_string_lossy().into_owned())
        .collect();
    if names.contains("SINMUNGO_STORAGE_URL") {
        names.extend(sinmungo_storage::S3Config::VARIABLES.map(str::to_owned));
    }
    names
}

/// The settings — flags (`--name`) and environment variables — of
/// `command` that `readme` does not mention (as `` `--name` `` or
/// `` `SINMUNGO_…` ``); `--help` and `--version` excepted. A sub-command's
/// own arguments are its usage, for `--help`, not settings.
pub fn undocumented(command: &clap::Command, readme: &str) -> Vec<String> {
    let mut missing = Vec::new();
    collect(command, readme, &mut missing);
    missing.sort();
    missing.dedup();
    missing
}

fn collect(command: &clap::Command, readme: &str, missing: &mut Vec<String>) {
    for arg in command.get_arguments() {
        if arg.is_hide_set() {
            continue;
        }
        if let Some(long) = arg.get_long() {
            if long != "help" && long != "version" && !readme.contains(&format!("`--{long}")) {
                missing.push(format!("--{long}"));
            }
        }
        if let Some(env) = arg.get_env() {
            let env = env.to_string_lossy();
            if !readme.contains(&format!("`{env}`")) && !readme.contains(&format!("`{env} ")) {
                missing.push(env.into_owned());
            }
        }
    }
}
