//! A one-broker Kafka cluster that speaks just enough of the protocol for
//! librdkafka's admin client to look topics up and create them: ApiVersions,
//! Metadata (v1) and CreateTopics (v0–v4). librdkafka's own mock cluster has
//! no CreateTopics ("not supported by the mock broker"), so
//! `--kafka-create-topics` is tested against this one. Any other request
//! (producing, joining a group) closes the connection, as a broker that does
//! not know the API would.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const API_VERSIONS: i16 = 18;
const METADATA: i16 = 3;
const CREATE_TOPICS: i16 = 19;
/// The only broker, and so the controller.
const NODE: i32 = 1;

const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;
const TOPIC_ALREADY_EXISTS: i16 = 36;
const INVALID_REPLICATION_FACTOR: i16 = 38;

/// The cluster: its topics (name → partitions), on a loopback port.
pub struct Controller {
    address: SocketAddr,
    topics: Arc<Mutex<BTreeMap<String, i32>>>,
    task: JoinHandle<()>,
}

impl Controller {
    /// Starts the broker with no topics.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let address = listener.local_addr().expect("its address");
        let topics = Arc::new(Mutex::new(BTreeMap::new()));
        let shared = topics.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, address, shared.clone()));
            }
        });
        Self {
            address,
            topics,
            task,
        }
    }

    /// `host:port`, for `bootstrap.servers`.
    pub fn brokers(&self) -> String {
        self.address.to_string()
    }

    /// The topics it has, with their partitions.
    pub fn topics(&self) -> BTreeMap<String, i32> {
        self.topics.lock().expect("the topics").clone()
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Answers requests on one connection until the client leaves or asks
/// something this broker does not know.
async fn serve(
    mut stream: TcpStream,
    address: SocketAddr,
    topics: Arc<Mutex<BTreeMap<String, i32>>>,
) {
    loop {
        let Ok(size) = stream.read_i32().await else {
            return;
        };
        let mut request = vec![0; usize::try_from(size).unwrap_or(0)];
        if stream.read_exact(&mut request).await.is_err() {
            return;
        }
        let mut r = Reader(&request);
        let (api, version, correlation) = (r.i16(), r.i16(), r.i32());
        r.nullable_string(); // client id
        let body = match api {
            API_VERSIONS => api_versions(version),
            METADATA => {
                let wanted = r.array(Reader::string);
                metadata(address, &topics.lock().expect("the topics"), wanted)
            }
            CREATE_TOPICS => {
                create_topics(&mut r, version, &mut topics.lock().expect("the topics"))
            }
            _ => return,
        };
        let mut response = correlation.to_be_bytes().to_vec();
        response.extend(body);
        let mut framed = i32::try_from(response.len())
            .expect("a small response")
            .to_be_bytes()
            .to_vec();
        framed.extend(response);
        if stream.write_all(&framed).await.is_err() {
            return;
        }
    }
}

/// The APIs and versions this broker answers (ApiVersions v3's body is
/// "flexible": compact arrays and tagged fields; its response header is not).
fn api_versions(version: i16) -> Vec<u8> {
    let apis: [(i16, i16, i16); 3] = [
        (API_VERSIONS, 0, 3),
        (METADATA, 0, 1),
        (CREATE_TOPICS, 0, 4),
    ];
    let mut w = Writer::default();
    w.i16(0);
    if version >= 3 {
        w.uvarint(apis.len() + 1);
        for (api, min, max) in apis {
            w.i16(api);
            w.i16(min);
            w.i16(max);
            w.uvarint(0); // tagged fields
        }
        w.i32(0); // throttle
        w.uvarint(0); // tagged fields
    } else {
        w.len(apis.len());
        for (api, min, max) in apis {
            w.i16(api);
            w.i16(min);
            w.i16(max);
        }
        if version >= 1 {
            w.i32(0);
        }
    }
    w.0
}

/// Metadata v1: this broker (the controller) and the topics asked for (all
/// when none are named); an unknown one is UNKNOWN_TOPIC_OR_PARTITION, never
/// created.
fn metadata(
    address: SocketAddr,
    topics: &BTreeMap<String, i32>,
    wanted: Option<Vec<String>>,
) -> Vec<u8> {
    let mut w = Writer::default();
    w.len(1);
    w.i32(NODE);
    w.string(&address.ip().to_string());
    w.i32(i32::from(address.port()));
    w.i16(-1); // rack: null
    w.i32(NODE); // controller
    let names: Vec<String> = wanted.unwrap_or_else(|| topics.keys().cloned().collect());
    w.len(names.len());
    for name in names {
        match topics.get(&name) {
            Some(&partitions) => {
                w.i16(0);
                w.string(&name);
                w.i8(0); // not internal
                w.len(usize::try_from(partitions).unwrap_or(0));
                for partition in 0..partitions {
                    w.i16(0);
                    w.i32(partition);
                    w.i32(NODE); // leader
                    w.len(1);
                    w.i32(NODE); // replicas
                    w.len(1);
                    w.i32(NODE); // in sync
                }
            }
            None => {
                w.i16(UNKNOWN_TOPIC_OR_PARTITION);
                w.string(&name);
                w.i8(0);
                w.len(0);
            }
        }
    }
    w.0
}

/// CreateTopics v0–v4, as a one-broker cluster would answer it.
fn create_topics(r: &mut Reader<'_>, version: i16, topics: &mut BTreeMap<String, i32>) -> Vec<u8> {
    let asked = r
        .array(|r| {
            let name = r.string();
            let partitions = r.i32();
            let replication = r.i16();
            r.array(|r| {
                r.i32();
                r.array(Reader::i32);
            });
            r.array(|r| {
                r.string();
                r.nullable_string();
            });
            (name, partitions, replication)
        })
        .unwrap_or_default();
    let mut w = Writer::default();
    if version >= 2 {
        w.i32(0); // throttle
    }
    w.len(asked.len());
    for (name, partitions, replication) in asked {
        let (error, message) = if topics.contains_key(&name) {
            (
                TOPIC_ALREADY_EXISTS,
                format!("Topic '{name}' already exists."),
            )
        } else if replication > 1 {
            (
                INVALID_REPLICATION_FACTOR,
                format!("Replication factor: {replication} larger than available brokers: 1."),
            )
        } else {
            // -1: the broker's default (KIP-464), one partition here.
            topics.insert(name.clone(), if partitions > 0 { partitions } else { 1 });
            (0, String::new())
        };
        w.string(&name);
        w.i16(error);
        if version >= 1 {
            if error == 0 {
                w.i16(-1);
            } else {
                w.string(&message);
            }
        }
    }
    w.0
}

/// Reads the protocol's big-endian fields (a short request reads as zeros).
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut bytes = [0; N];
        let n = N.min(self.0.len());
        bytes[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        bytes
    }
    fn i16(&mut self) -> i16 {
        i16::from_be_bytes(self.take())
    }
    fn i32(&mut self) -> i32 {
        i32::from_be_bytes(self.take())
    }
    fn nullable_string(&mut self) -> Option<String> {
        let len = usize::try_from(self.i16()).ok()?;
        let (text, rest) = self.0.split_at(len.min(self.0.len()));
        self.0 = rest;
        Some(String::from_utf8_lossy(text).into_owned())
    }
    fn string(&mut self) -> String {
        self.nullable_string().unwrap_or_default()
    }
    /// An array (`None` when null).
    fn array<T>(&mut self, mut item: impl FnMut(&mut Self) -> T) -> Option<Vec<T>> {
        let len = usize::try_from(self.i32()).ok()?;
        Some((0..len).map(|_| item(self)).collect())
    }
}

/// Writes the protocol's big-endian fields.
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn i8(&mut self, value: i8) {
        self.0.extend(value.to_be_bytes());
    }
    fn i16(&mut self, value: i16) {
        self.0.extend(value.to_be_bytes());
    }
    fn i32(&mut self, value: i32) {
        self.0.extend(value.to_be_bytes());
    }
    fn len(&mut self, len: usize) {
        self.i32(i32::try_from(len).expect("a short array"));
    }
    fn string(&mut self, text: &str) {
        self.i16(i16::try_from(text.len()).expect("a short string"));
        self.0.extend(text.as_bytes());
    }
    fn uvarint(&mut self, mut value: usize) {
        loop {
            let byte = u8::try_from(value & 0x7f).unwrap_or(0);
            value >>= 7;
            if value == 0 {
                self.0.push(byte);
                return;
            }
            self.0.push(byte | 0x80);
        }
    }
}
