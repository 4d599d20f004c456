//! A three-node NATS cluster with JetStream on loopback, as `deploy/nats-cluster/` runs on
//! three machines (here without TLS): each node its own client port, route port and store,
//! fsyncing every write. Nodes can be SIGKILLed, restarted, and have their store deleted.

use crate::nats::{binary, free_port, GO_MEMORY_LIMIT};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a node may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// Nodes in the cluster: three, so a majority survives losing any one.
pub const NODES: usize = 3;

struct Node {
    name: String,
    client_port: u16,
    store: PathBuf,
    config: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

/// Three nats-server processes routed to each other; killed when dropped.
pub struct NatsCluster {
    nodes: Vec<Node>,
}

impl NatsCluster {
    /// Writes each node's configuration under `dir` and starts all three.
    pub fn start(dir: &Path) -> Self {
        let route_ports: Vec<u16> = (0..NODES).map(|_| free_port()).collect();
        let nodes = (0..NODES)
            .map(|i| {
                let name = format!("n{}", i + 1);
                let node_dir = dir.join(&name);
                std::fs::create_dir_all(&node_dir).expect("a node folder");
                let client_port = free_port();
                let store = node_dir.join("jetstream");
                let routes: Vec<String> = (0..NODES)
                    .filter(|&j| j != i)
                    .map(|j| format!("nats://127.0.0.1:{}", route_ports[j]))
                    .collect();
                let config = node_dir.join("nats.conf");
                let text = format!(
                    "server_name: {name}\nlisten: 127.0.0.1:{client_port}\n\
                     jetstream {{\n  store_dir: \"{}\"\n  sync_interval: always\n}}\n\
                     cluster {{\n  name: comatching\n  listen: 127.0.0.1:{}\n  routes: [{}]\n}}\n",
                    store.display(),
                    route_ports[i],
                    routes.join(", ")
                );
                std::fs::write(&config, text).expect("write a node's config");
                Node {
                    name,
                    client_port,
                    store,
                    config,
                    log: node_dir.join("nats.log"),
                    child: None,
                }
            })
            .collect();
        let mut cluster = Self { nodes };
        for i in 0..NODES {
            cluster.restart(i);
        }
        cluster
    }

    /// Every node's client URL, comma-separated (the services' `--nats-url`).
    pub fn urls(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("nats://127.0.0.1:{}", n.client_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The index of the node named `name` (`n1`…).
    pub fn index_of(&self, name: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .unwrap_or_else(|| panic!("no node named {name}"))
    }

    pub fn name(&self, index: usize) -> &str {
        &self.nodes[index].name
    }

    /// The running nodes' process ids.
    pub fn pids(&self) -> Vec<u32> {
        self.nodes
            .iter()
            .filter_map(|n| n.child.as_ref().map(Child::id))
            .collect()
    }

    /// SIGKILL: the machine gone, nothing flushed.
    pub fn kill(&mut self, index: usize) {
        if let Some(mut child) = self.nodes[index].child.take() {
            child.kill().expect("SIGKILL a node");
            child.wait().expect("reap a node");
        }
    }

    /// Deletes a stopped node's store: it comes back knowing nothing.
    pub fn wipe_store(&mut self, index: usize) {
        let node = &self.nodes[index];
        assert!(node.child.is_none(), "stop {} first", node.name);
        std::fs::remove_dir_all(&node.store).expect("delete a node's store");
    }

    /// Starts a stopped node again (same ports, same store) and waits for it to listen.
    pub fn restart(&mut self, index: usize) {
        let node = &mut self.nodes[index];
        assert!(node.child.is_none(), "{} is running", node.name);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&node.log)
            .expect("a node's log");
        let child = Command::new(binary())
            .arg("-c")
            .arg(&node.config)
            .env(GO_MEMORY_LIMIT.0, GO_MEMORY_LIMIT.1)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary().display()));
        node.child = Some(child);
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", node.client_port)).is_err() {
            assert!(
                start.elapsed() < START_TIMEOUT,
                "{} did not start",
                node.name
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for i in 0..NODES {
            self.kill(i);
        }
    }
}
