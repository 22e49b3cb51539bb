//! A request given up on must not reach WeChat later. Over a link that went
//! down, the kernel keeps resending what was sent; when the link comes back
//! (a partition heals), the request arrives after all. For a token endpoint
//! that is a refresh nobody receives, after another process has refreshed:
//! the soak once caught one, 2 s after another process had refreshed. The transport
//! bounds how long sent data may stay unacknowledged, so a request its
//! caller gave up on is given up on by the kernel too.
//!
//! A real partition: a network namespace joined by a veth pair (root and
//! `ip` needed, as for the soak), the client side in a child process.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wxthirdparty::wechat::Transport;

const CHILD_ENV: &str = "WXTP_PARTITION_SERVER";
/// Both client requests are given up on after this.
const GIVE_UP: Duration = Duration::from_millis(1000);

fn ip(args: &[&str]) -> std::io::Result<()> {
    let out = Command::new("ip").args(args).output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim())))
    }
}

/// A namespace on a /30 with the host: `cut` takes the host end down.
struct Partition {
    ns: String,
    host_if: String,
    host_addr: String,
    ns_addr: String,
    net: String,
}

impl Partition {
    fn create() -> std::io::Result<Partition> {
        let pid = std::process::id();
        let n = pid % 250;
        let p = Partition {
            ns: format!("wxtptp{pid}"),
            host_if: format!("wxt{pid}h").chars().take(15).collect(),
            host_addr: format!("10.232.{n}.1"),
            ns_addr: format!("10.232.{n}.2"),
            net: format!("10.232.{n}.0/30"),
        };
        let ns_if: String = format!("wxt{pid}n").chars().take(15).collect();
        ip(&["netns", "add", &p.ns])?;
        ip(&["link", "add", &p.host_if, "type", "veth", "peer", "name", &ns_if])?;
        ip(&["link", "set", &ns_if, "netns", &p.ns])?;
        ip(&["addr", "add", &format!("{}/30", p.host_addr), "dev", &p.host_if])?;
        ip(&["link", "set", &p.host_if, "up"])?;
        ip(&["netns", "exec", &p.ns, "ip", "addr", "add", &format!("{}/30", p.ns_addr), "dev", &ns_if])?;
        ip(&["netns", "exec", &p.ns, "ip", "link", "set", &ns_if, "up"])?;
        // While the link is down, packets for the namespace are dropped, not routed elsewhere.
        let _ = ip(&["route", "add", "blackhole", &p.net, "metric", "1000"]);
        Ok(p)
    }

    fn cut(&self) {
        ip(&["link", "set", &self.host_if, "down"]).unwrap();
    }

    fn heal(&self) {
        ip(&["link", "set", &self.host_if, "up"]).unwrap();
    }
}

impl Drop for Partition {
    fn drop(&mut self) {
        let _ = ip(&["route", "del", "blackhole", &self.net, "metric", "1000"]);
        let _ = ip(&["netns", "del", &self.ns]);
        let _ = ip(&["link", "del", &self.host_if]);
    }
}

fn can_partition() -> bool {
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false);
    root && Command::new("ip").arg("-V").output().is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_given_up_on_does_not_arrive_when_the_partition_heals() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return; // this binary is the child here: it runs `client_side`
    }
    if !can_partition() {
        assert!(std::env::var_os("CI").is_none(), "CI runs as root with `ip` (the soak needs them too)");
        eprintln!("skipped: needs root and `ip` for a network namespace");
        return;
    }
    let part = Partition::create().expect("network namespace");

    // The upstream: records each path it is asked for, and when. Plain TCP,
    // answering every request it reads, as a proxy in front of WeChat would
    // (hyper's server drops a request that arrives with the client's FIN).
    let arrived: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind((part.host_addr.as_str(), 0)).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = arrived.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            tokio::spawn(serve(conn, log.clone()));
        }
    });

    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new("ip")
        .args(["netns", "exec", &part.ns])
        .arg(exe)
        .args(["--exact", "client_side", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut expect = |what: &str| loop {
        let line = lines.next().unwrap_or_else(|| panic!("the client ended before {what}")).unwrap();
        if line.contains(what) {
            return line;
        }
    };
    expect("warm");

    part.cut();
    let cut_at = Instant::now();
    child.stdin.as_mut().unwrap().write_all(b"go\n").unwrap();
    let outcome = expect("given up");
    assert!(outcome.contains("bounded: gave up") && outcome.contains("unbounded: gave up"), "{outcome}");
    // The kernel resends about 0.2, 0.6, 1.4, 3, 6.2 and 12.6 s after the
    // send (doubling from the minimum timeout): heal after the link has been
    // down for a few seconds, and watch over two more resends.
    tokio::time::sleep_until((cut_at + Duration::from_millis(4000)).into()).await;
    part.heal();
    let healed = Instant::now();
    for _ in 0..140 {
        if arrived.lock().unwrap().iter().any(|(p, _)| p == "/unbounded") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A moment more for a late /bounded (it would come with the same resends).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = child.kill();

    let arrived = arrived.lock().unwrap().clone();
    let after_heal: Vec<&str> = arrived.iter().filter(|(_, at)| *at >= healed).map(|(p, _)| p.as_str()).collect();
    let before_heal: Vec<&str> = arrived.iter().filter(|(p, at)| *at >= cut_at && *at < healed && !p.is_empty()).map(|(p, _)| p.as_str()).collect();
    assert!(before_heal.is_empty(), "nothing crosses a cut link: {before_heal:?}");
    // The control: with the kernel's default (retries for minutes), the abandoned request lands.
    assert!(after_heal.contains(&"/unbounded"), "the control did not land, so the test proves nothing: {arrived:?}");
    assert!(!after_heal.contains(&"/bounded"), "a request given up on arrived when the partition healed");
}

async fn serve(mut conn: tokio::net::TcpStream, log: Arc<Mutex<Vec<(String, Instant)>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = conn.read(&mut chunk).await {
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            let path = head.split_whitespace().nth(1).unwrap_or_default();
            log.lock().unwrap().push((path.split('?').next().unwrap_or_default().to_owned(), Instant::now()));
            let body = r#"{"errcode":0}"#;
            let answer = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len());
            if conn.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}

/// The client, in the namespace: warms a connection on each transport, then
/// on "go" (the link is down now) sends one request on each and gives up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side() {
    let Ok(url) = std::env::var(CHILD_ENV) else { return };
    // As a component with a 1.25 s lease builds it (fetch limit 1 s), and one without a bound.
    let bounded = Transport::with_timeouts(Some(&url), Duration::from_secs(15), GIVE_UP);
    let unbounded = Transport::with_timeouts(Some(&url), Duration::from_secs(600), Duration::from_secs(600));
    bounded.get("/warm", &[]).await.unwrap();
    unbounded.get("/warm", &[]).await.unwrap();
    println!("warm");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    let (b, u) = tokio::join!(
        tokio::time::timeout(GIVE_UP, bounded.get("/bounded", &[])),
        tokio::time::timeout(GIVE_UP, unbounded.get("/unbounded", &[])),
    );
    let said = |r: &Result<_, _>| if r.is_err() { "gave up" } else { "answered" };
    println!("given up: bounded: {}, unbounded: {}", said(&b), said(&u));
    drop((bounded, unbounded));
    // Stay until killed: the sockets' fate is the kernel's now.
    tokio::time::sleep(Duration::from_secs(30)).await;
}
