#![expect(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers: a deployment file that cannot be read must fail the test loudly"
)]
//! The deployment files (`deploy/`: the Dockerfile, compose.yaml, the
//! Kubernetes manifests) cannot run here, but what they tell the binaries
//! can be checked: every `SINMUNGO_*` variable they set must be one the
//! binary it reaches reads (its `clap` definition, as `--help` shows it), so
//! a typo, a renamed setting or a server-only setting handed to the worker
//! fails here instead of being silently ignored in production.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use clap::CommandFactory as _;
use yaml_rust2::{Yaml, YamlLoader};

const SERVER: &str = "sinmungo-server";
const WORKER: &str = "sinmungo-worker";

/// One variable a deployment file sets for one binary.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Setting {
    /// Where: the file and the place in it.
    place: String,
    /// The binary it reaches (`None`: none at all).
    binary: Option<&'static str>,
    variable: String,
}

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The binary an image or build target is of.
fn binary_of(name: &str) -> Option<&'static str> {
    if name.contains(WORKER) || name == "worker" {
        Some(WORKER)
    } else if name.contains(SERVER) || name == "server" {
        Some(SERVER)
    } else {
        None
    }
}

/// What each binary reads.
fn read_by_binaries() -> BTreeMap<&'static str, BTreeSet<String>> {
    BTreeMap::from([
        (
            SERVER,
            sinmungo_wiring::readme::variables(&sinmungo_server::Cli::command()),
        ),
        (
            WORKER,
            sinmungo_wiring::readme::variables(&sinmungo_worker::Cli::command()),
        ),
    ])
}

/// The settings that are wrong: set for no binary, or for one that does not read them.
fn wrong(settings: &[Setting]) -> Vec<String> {
    let known = read_by_binaries();
    settings
        .iter()
        .filter(|s| s.variable.starts_with("SINMUNGO_"))
        .filter_map(|s| match s.binary {
            None => Some(format!("{}: {} reaches no binary", s.place, s.variable)),
            Some(binary) if !known[binary].contains(&s.variable) => Some(format!(
                "{}: {binary} does not read {}",
                s.place, s.variable
            )),
            Some(_) => None,
        })
        .collect()
}

/// `ENV` lines per build stage; a stage named after a binary is its image.
fn dockerfile(name: &str, text: &str) -> Vec<Setting> {
    let mut settings = Vec::new();
    let mut stage: Option<String> = None;
    // Continuation lines joined, so `ENV A=1 \ B=2` is one instruction.
    let joined = text.replace("\\\n", " ");
    for line in joined.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match words.next().map(str::to_ascii_uppercase).as_deref() {
            Some("FROM") => {
                let rest: Vec<&str> = words.collect();
                stage = rest
                    .iter()
                    .position(|w| w.eq_ignore_ascii_case("as"))
                    .and_then(|at| rest.get(at + 1))
                    .map(|s| (*s).to_owned());
            }
            Some("ENV") => {
                let rest: Vec<&str> = words.collect();
                let pairs: Vec<String> = if rest.iter().any(|w| w.contains('=')) {
                    rest.iter()
                        .filter_map(|w| w.split_once('=').map(|(k, _)| k.to_owned()))
                        .collect()
                } else {
                    // The old form: `ENV NAME value`.
                    rest.first().map(|k| (*k).to_owned()).into_iter().collect()
                };
                for variable in pairs {
                    settings.push(Setting {
                        place: format!("{name} stage {}", stage.as_deref().unwrap_or("-")),
                        binary: stage.as_deref().and_then(binary_of),
                        variable,
                    });
                }
            }
            _ => {}
        }
    }
    settings
}

/// The keys of a compose `environment:` (a map, or a list of `K=V`).
fn environment_keys(environment: &Yaml) -> Vec<String> {
    match environment {
        Yaml::Hash(map) => map
            .keys()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect(),
        Yaml::Array(items) => items
            .iter()
            .filter_map(Yaml::as_str)
            .map(|item| item.split('=').next().unwrap_or(item).to_owned())
            .collect(),
        _ => Vec::new(),
    }
}

/// Each service's `environment`, for the binary its build target or image is of.
fn compose(name: &str, text: &str) -> Vec<Setting> {
    let docs = YamlLoader::load_from_str(text).expect("compose.yaml is YAML");
    let mut settings = Vec::new();
    let Some(services) = docs[0]["services"].as_hash() else {
        panic!("{name} has no services");
    };
    for (service, definition) in services {
        let service = service.as_str().unwrap_or_default();
        let binary = definition["build"]["target"]
            .as_str()
            .and_then(binary_of)
            .or_else(|| definition["image"].as_str().and_then(binary_of));
        for variable in environment_keys(&definition["environment"]) {
            settings.push(Setting {
                place: format!("{name} service {service}"),
                binary,
                variable,
            });
        }
    }
    settings
}

/// Every manifest of a directory of Kubernetes YAML files.
fn manifests(dir: &Path) -> Vec<(String, Yaml)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("deploy/k8s")
        .map(|entry| entry.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .flat_map(|path| {
            let file = format!(
                "k8s/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            YamlLoader::load_from_str(&read(&path))
                .unwrap_or_else(|e| panic!("{file} is not YAML: {e}"))
                .into_iter()
                .filter(|doc| !doc.is_null())
                .map(move |doc| (file.clone(), doc))
        })
        .collect()
}

/// The variables each ConfigMap and Secret holds reach the binaries of the
/// containers that take them (`envFrom`); a container's own `env` reaches
/// its binary. A ConfigMap or Secret no container takes reaches none.
fn kubernetes(docs: &[(String, Yaml)]) -> Vec<Setting> {
    let mut held: BTreeMap<(String, String), (String, Vec<String>)> = BTreeMap::new();
    for (file, doc) in docs {
        let kind = doc["kind"].as_str().unwrap_or_default();
        if kind == "ConfigMap" || kind == "Secret" {
            let name = doc["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let keys = ["data", "stringData"]
                .iter()
                .filter_map(|field| doc[*field].as_hash())
                .flat_map(|map| map.keys().filter_map(|k| k.as_str().map(str::to_owned)))
                .collect();
            held.insert((kind.to_owned(), name), (file.clone(), keys));
        }
    }
    let mut settings = Vec::new();
    let mut taken: BTreeSet<(String, String)> = BTreeSet::new();
    for (file, doc) in docs {
        let spec = &doc["spec"]["template"]["spec"];
        let containers = ["initContainers", "containers"]
            .iter()
            .filter_map(|field| spec[*field].as_vec())
            .flatten();
        for container in containers {
            let binary = container["image"].as_str().and_then(binary_of);
            let container_name = container["name"].as_str().unwrap_or_default();
            for env in container["env"].as_vec().into_iter().flatten() {
                if let Some(variable) = env["name"].as_str() {
                    settings.push(Setting {
                        place: format!("{file} container {container_name}"),
                        binary,
                        variable: variable.to_owned(),
                    });
                }
            }
            for source in container["envFrom"].as_vec().into_iter().flatten() {
                for (field, kind) in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")] {
                    let Some(name) = source[field]["name"].as_str() else {
                        continue;
                    };
                    let key = (kind.to_owned(), name.to_owned());
                    let (held_in, variables) = held
                        .get(&key)
                        .unwrap_or_else(|| panic!("{file}: {kind} {name} is not in deploy/k8s"));
                    for variable in variables {
                        settings.push(Setting {
                            place: format!(
                                "{held_in} {kind} {name}, taken by {file} container {container_name}"
                            ),
                            binary,
                            variable: variable.clone(),
                        });
                    }
                    taken.insert(key);
                }
            }
        }
    }
    for (key, (file, variables)) in &held {
        if !taken.contains(key) {
            for variable in variables {
                settings.push(Setting {
                    place: format!("{file} {} {}", key.0, key.1),
                    binary: None,
                    variable: variable.clone(),
                });
            }
        }
    }
    settings
}

/// Every setting of every deployment file.
fn all_settings() -> Vec<Setting> {
    let dir = deploy_dir();
    let mut settings = dockerfile("Dockerfile", &read(&dir.join("Dockerfile")));
    settings.extend(compose("compose.yaml", &read(&dir.join("compose.yaml"))));
    settings.extend(kubernetes(&manifests(&dir.join("k8s"))));
    settings
}

#[test]
fn every_variable_the_deployment_files_set_is_read_by_the_binary_it_reaches() {
    let settings = all_settings();
    assert!(
        settings.len() > 20,
        "the files were read: {} settings",
        settings.len()
    );
    let wrong = wrong(&settings);
    assert!(wrong.is_empty(), "wrong settings:\n{}", wrong.join("\n"));
}

#[test]
fn each_binary_gets_what_it_needs_to_run_in_production() {
    let settings = all_settings();
    let given = |place: &str, binary: &str| -> BTreeSet<String> {
        settings
            .iter()
            .filter(|s| s.place.starts_with(place) && s.binary == Some(binary))
            .map(|s| s.variable.clone())
            .collect()
    };
    for place in ["compose.yaml", "k8s/"] {
        for binary in [SERVER, WORKER] {
            let variables = given(place, binary);
            for needed in [
                "SINMUNGO_DATABASE_URL",
                "SINMUNGO_KAFKA_BROKERS",
                "SINMUNGO_STORAGE_URL",
            ] {
                assert!(
                    variables.contains(needed),
                    "{place}: {binary} is not given {needed}"
                );
            }
        }
        // Reachable from outside the container, not only on its loopback.
        assert!(given(place, SERVER).contains("SINMUNGO_LISTEN"), "{place}");
        assert!(
            given(place, WORKER).contains("SINMUNGO_WORKER_LISTEN"),
            "{place}"
        );
    }
    let secrets = given("k8s/secret.yaml", SERVER);
    assert!(
        secrets.contains("SINMUNGO_JWT_SECRET") && secrets.contains("SINMUNGO_SECRETS_KEY"),
        "the server's keys come from a Secret, not from its data directory: {secrets:?}"
    );
}

#[test]
fn a_variable_set_for_the_wrong_binary_or_for_none_is_caught() {
    let compose_text = "services:\n  worker:\n    build:\n      target: worker\n    \
                        environment:\n      SINMUNGO_REDIS_URL: redis://redis:6379\n      \
                        SINMUNGO_KAFKA_BROKERS: kafka:9092\n  server:\n    image: sinmungo-server:dev\n    \
                        environment:\n      - SINMUNGO_LISTN=0.0.0.0:8080\n";
    let dockerfile_text = "FROM debian AS runtime\nENV SINMUNGO_LOG=info\n\
                           FROM runtime AS worker\nENV SINMUNGO_WORKER_LISTEN=0.0.0.0:8081 \\\n    SINMUNGO_JWT_SECRET=x\n";
    let manifests_text =
        "kind: ConfigMap\nmetadata:\n  name: forgotten\ndata:\n  SINMUNGO_LOG: info\n";
    let mut settings = compose("test compose", compose_text);
    settings.extend(dockerfile("test Dockerfile", dockerfile_text));
    settings.extend(kubernetes(&[(
        "k8s/test.yaml".to_owned(),
        YamlLoader::load_from_str(manifests_text).expect("YAML")[0].clone(),
    )]));
    let mut found = wrong(&settings);
    found.sort();
    assert_eq!(
        found,
        [
            "k8s/test.yaml ConfigMap forgotten: SINMUNGO_LOG reaches no binary",
            "test Dockerfile stage runtime: SINMUNGO_LOG reaches no binary",
            "test Dockerfile stage worker: sinmungo-worker does not read SINMUNGO_JWT_SECRET",
            "test compose service server: sinmungo-server does not read SINMUNGO_LISTN",
            "test compose service worker: sinmungo-worker does not read SINMUNGO_REDIS_URL",
        ]
    );
}
