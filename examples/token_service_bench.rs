//! Cached token get on the token service vs the ceiling: a minimal axum
//! (hyper) server answering a constant string of the same size. Both run in
//! this process on the same runtime; wrk drives each in turn, twice, so
//! machine load affects both alike. Run:
//! cargo run --release --target x86_64-unknown-linux-gnu --example token_service_bench

use std::process::Command;

use axum::routing::get;
use wxthirdparty::sandbox::{Sandbox, SandboxConfig};
use wxthirdparty::service::{ServiceConfig, TokenService};

const APP: &str = "wxbench000000001";

fn wrk(url: &str) -> (f64, String) {
    let out = Command::new("wrk").args(["-t2", "-c64", "-d8s", "--latency", url]).output().expect("wrk installed (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let rps = text.lines().find_map(|l| l.strip_prefix("Requests/sec:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0.0);
    let p99 = text.lines().find(|l| l.trim_start().starts_with("99%")).map(|l| l.split_whitespace().nth(1).unwrap_or("").to_owned()).unwrap_or_default();
    (rps, p99)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    sb.register_app(APP, "bench-secret");
    let path = std::env::temp_dir().join(format!("wxtp-bench-{}.db", std::process::id()));
    let db = format!("sqlite://{}", path.display());
    let svc = TokenService::start(ServiceConfig { db, api_base: Some(sb.url()), ..Default::default() }).await.unwrap();
    svc.apps().create(APP, "bench-secret").await.unwrap();
    let token_url = format!("{}/{APP}/wechat/token/get", svc.url());
    let body = reqwest::get(&token_url).await.unwrap().text().await.unwrap();
    assert!(body.contains("\"errcode\":0"), "{body}");

    let constant = body.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ceiling_url = format!("http://{}/", listener.local_addr().unwrap());
    let app = axum::Router::new().route("/", get(move || { let c = constant.clone(); async move { c } }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut runs = Vec::new();
    for round in 0..2 {
        for (name, url) in [("ceiling (axum constant)", &ceiling_url), ("token service get", &token_url)] {
            let (u, n) = (url.clone(), name);
            let (rps, p99) = tokio::task::spawn_blocking(move || wrk(&u)).await.unwrap();
            println!("round {round} {n:26} {rps:>10.0} req/s  p99 {p99}");
            runs.push((name, rps));
        }
    }
    let best = |n: &str| runs.iter().filter(|r| r.0 == n).map(|r| r.1).fold(0.0, f64::max);
    let (c, s) = (best("ceiling (axum constant)"), best("token service get"));
    println!("token service / ceiling = {:.0}% ({s:.0} vs {c:.0} req/s, best of 2 each)", 100.0 * s / c);
    svc.close().await;
    sb.close().await;
    let _ = std::fs::remove_file(&path);
}
