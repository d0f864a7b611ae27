//! Keeps the README's configuration table true: each binary's tests ask
//! [`undocumented`] which of its flags and variables the README never names.

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
